import type { ServerConfig } from '../config/server-config.js';
import { socketPathBeside } from '../owner-only-socket.js';

/**
 * Where task worker `index` listens: beside the state file (in the owner-only
 * .ephpm directory), or in /tmp when that path is too long. A replacement
 * takes over the same path, so request workers never need to be told.
 */
export function taskSocketPath(stateFile: string, index: number): string {
  return socketPathBeside(stateFile, `task-${index}.sock`);
}

export function taskSocketPaths(config: Pick<ServerConfig, 'stateFile' | 'taskWorkers'>): string[] {
  return Array.from({ length: config.taskWorkers }, (_, i) => taskSocketPath(config.stateFile, i + 1));
}

export type WorkerRole = 'http' | 'task' | 'tick';

/** What the embedded PHP of any worker process reads: its role and where the task workers listen. */
export function taskEnv(
  config: Pick<ServerConfig, 'stateFile' | 'taskWorkers'>,
  role: WorkerRole,
): Record<string, string> {
  return { EPHPM_WORKER_ROLE: role, EPHPM_TASK_SOCKETS: taskSocketPaths(config).join('\n') };
}

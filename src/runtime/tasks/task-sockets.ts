import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServerConfig } from '../config.js';

// A task worker binds a temporary name beside its path first (a few bytes
// longer), and sockaddr_un allows 108 bytes.
const UNIX_PATH_LIMIT = 90;

/**
 * Where task worker `index` listens: beside the state file (in the owner-only
 * .ephpm directory), or in /tmp when that path is too long. A replacement
 * takes over the same path, so request workers never need to be told.
 */
export function taskSocketPath(stateFile: string, index: number): string {
  const beside = join(dirname(stateFile), `task-${index}.sock`);
  if (Buffer.byteLength(beside) <= UNIX_PATH_LIMIT) return beside;
  return join(tmpdir(), `ephpm-${createHash('sha256').update(stateFile).digest('hex').slice(0, 16)}-task-${index}.sock`);
}

export function taskSocketPaths(config: Pick<ServerConfig, 'stateFile' | 'taskWorkers'>): string[] {
  return Array.from({ length: config.taskWorkers }, (_, i) => taskSocketPath(config.stateFile, i + 1));
}

export type WorkerRole = 'http' | 'task' | 'tick';

/** What the embedded PHP of any worker process reads: its role and where the task workers listen. */
export function taskEnv(config: Pick<ServerConfig, 'stateFile' | 'taskWorkers'>, role: WorkerRole): Record<string, string> {
  return { EPHPM_WORKER_ROLE: role, EPHPM_TASK_SOCKETS: taskSocketPaths(config).join('\n') };
}

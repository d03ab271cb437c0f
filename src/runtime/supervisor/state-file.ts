import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ServerState {
  pid: number;
  host: string;
  port: number;
  scheme: 'http' | 'https';
  startedAt: string;
  root: string;
  workerScript: string;
  controlSocket: string;
  /** Request workers that serve (not starting, not draining). */
  workers: Array<{ pid: number; startedAt: string }>;
  /** Task and tick worker processes that run (not starting, not draining); absent in files of older servers. */
  taskWorkers?: Array<{ role: 'task' | 'tick'; index: number; pid: number; startedAt: string }>;
}

export function writeServerState(file: string, state: ServerState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, file);
}

export function readServerState(file: string): ServerState | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerState;
  } catch {
    return null;
  }
}

export function removeServerState(file: string): void {
  rmSync(file, { force: true });
}

/** A state file is only trusted while the process it names is alive. */
export function isServerAlive(state: ServerState): boolean {
  try {
    process.kill(state.pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${state.pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}

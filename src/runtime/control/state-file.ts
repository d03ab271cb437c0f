import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EphpmError } from '../errors.js';
import { nativeServerLock } from '../native/process-face.js';
import { ensurePrivateDir } from '../private-dir.js';

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
  /** The shared tables' segment in /dev/shm, when the server has tables. */
  tables?: string;
}

/** What a state file holds: a server's state, nothing, or something that is not a state file. */
export type StateFileContent =
  { kind: 'ok'; state: ServerState } | { kind: 'missing' } | { kind: 'corrupt'; problem: string };

export function writeServerState(file: string, state: ServerState): void {
  ensurePrivateDir(dirname(file));
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, file);
}

export function readStateFile(file: string): StateFileContent {
  if (!existsSync(file)) return { kind: 'missing' };
  let state: Partial<ServerState>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<ServerState>;
  } catch (error) {
    return { kind: 'corrupt', problem: (error as Error).message };
  }
  if (
    typeof state !== 'object' ||
    state === null ||
    !Number.isInteger(state.pid) ||
    typeof state.controlSocket !== 'string'
  ) {
    return { kind: 'corrupt', problem: 'it does not name a server pid and control socket' };
  }
  return { kind: 'ok', state: state as ServerState };
}

export function removeServerState(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The lock a running supervisor holds for its life, beside its state file. It is what says a server
 * runs: the kernel drops it when the supervisor dies, however it dies, so a state file that was
 * truncated, or names a pid some other process now has, changes nothing.
 */
export function serverLockPath(stateFile: string): string {
  return `${stateFile.replace(/\.json$/, '')}.lock`;
}

/** Takes the lock for this process's life: 0, or the pid of the server that holds it (-1: unknown). */
export function takeServerLock(stateFile: string): number {
  ensurePrivateDir(dirname(stateFile));
  return nativeServerLock().lockServer(serverLockPath(stateFile));
}

/** The pid of the server running for this state file; 0 when none is. */
export function runningServerPid(stateFile: string): number {
  return nativeServerLock().lockHolder(serverLockPath(stateFile));
}

/** Refuses a second server for the same state file, saying where the first one serves. */
export function alreadyRunningError(pid: number, stateFile: string): EphpmError {
  const content = readStateFile(stateFile);
  const where =
    content.kind === 'ok' && content.state.pid === pid
      ? ` on ${content.state.host}:${content.state.port}`
      : content.kind === 'corrupt'
        ? ` (its state file ${stateFile} is corrupt: ${content.problem})`
        : '';
  return new EphpmError(
    'EPHPM_ALREADY_RUNNING',
    `An ephpm server (pid ${pid === -1 ? 'unknown' : pid}) is already running for this app${where}.`,
    'Stop it first (ephpm stop), or give this one its own --state-file.',
  );
}

// The child's side of the supervisor protocol, shared by request workers
// (http/worker-main.ts) and task and tick workers (tasks/task-worker-main.ts).
import type { ServerConfig } from '../config/server-config.js';
import { isEphpmError } from '../errors.js';
import type { ChildMessage, DrainMode, SupervisorMessage } from './process-messages.js';
import { WORKER_CONFIG_ENV } from './worker-env.js';

/** The server's resolved settings, handed down by the supervisor. */
export function workerConfig(): ServerConfig {
  return JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as ServerConfig;
}

/** Dropped once the supervisor is gone (sending on a closed channel would crash this process). */
export function tellSupervisor<Message extends { type: string }>(message: Message): void {
  if (process.connected) process.send?.(message);
}

export interface SupervisorFollower {
  leave(mode: DrainMode): void;
  reportStats(): void;
  /** The supervisor is gone (its IPC channel closed): by default, leave as on shutdown. */
  orphaned?(): void;
  replacementReady?(): void;
}

/**
 * `leave` runs when the supervisor asks this process to drain, when the
 * supervisor is gone (unless `orphaned` says otherwise) and on SIGTERM / SIGINT.
 */
export function followSupervisor(handlers: SupervisorFollower): void {
  process.on('message', (message: SupervisorMessage) => {
    if (message.type === 'drain') handlers.leave(message.mode);
    if (message.type === 'stats') handlers.reportStats();
    if (message.type === 'replacement-ready') handlers.replacementReady?.();
  });
  process.on('disconnect', () => (handlers.orphaned ? handlers.orphaned() : handlers.leave('shutdown')));
  process.on('SIGTERM', () => handlers.leave('shutdown'));
  process.on('SIGINT', () => handlers.leave('shutdown'));
  // A message that arrives before the handler above exists is lost; the supervisor holds them until this.
  tellSupervisor({ type: 'listening', pid: process.pid });
}

export type BootFailure = Extract<ChildMessage<never>, { type: 'boot-failed' }>;

export function bootFailure(error: unknown): BootFailure {
  return { type: 'boot-failed', message: (error as Error).message, hint: isEphpmError(error) ? error.hint : undefined };
}

/** Tells the supervisor why this process could not boot, then exits 1 (once the message is out). */
export function exitWithBootFailure(failure: BootFailure): void {
  if (process.send) process.send(failure, () => process.exit(1));
  else process.exit(1);
}

/**
 * Exits now, whatever the PHP thread is doing: a normal exit waits for it, and it cannot be
 * interrupted in the middle of a request or task.
 */
export function exitNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

/** A draining process still running after `ms` (a request that never ends, a client that never reads) exits now. */
export function drainDeadline(ms: number, logger: { warn(message: string): void }): void {
  setTimeout(() => {
    logger.warn(`worker ${process.pid} was still draining after ${ms / 1000}s (drain_timeout); it exits now`);
    exitNow();
  }, ms).unref();
}

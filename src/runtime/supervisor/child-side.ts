// The child's side of the supervisor protocol, shared by request workers
// (http/worker-main.ts) and task and tick workers (tasks/task-worker-main.ts).
import type { ServerConfig } from '../config.js';
import { isEphpmError } from '../errors.js';
import { WORKER_CONFIG_ENV, type ChildMessage, type DrainMode, type SupervisorMessage } from './process-messages.js';

/** The server's resolved settings, handed down by the supervisor. */
export function workerConfig(): ServerConfig {
  return JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}') as ServerConfig;
}

export function tellSupervisor<Message extends { type: string }>(message: Message): void {
  process.send?.(message);
}

/**
 * `leave` runs when the supervisor asks this process to drain, when the
 * supervisor is gone (the IPC channel closed) and on SIGTERM / SIGINT.
 */
export function followSupervisor(handlers: { leave(mode: DrainMode): void; reportStats(): void }): void {
  process.on('message', (message: SupervisorMessage) => {
    if (message.type === 'drain') handlers.leave(message.mode);
    if (message.type === 'stats') handlers.reportStats();
  });
  process.on('disconnect', () => handlers.leave('shutdown'));
  process.on('SIGTERM', () => handlers.leave('shutdown'));
  process.on('SIGINT', () => handlers.leave('shutdown'));
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

import { performance } from 'node:perf_hooks';
import type { DevReport } from './report.js';
import { EphpmError } from '../errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';

const BOOT_FAILURE_PREFIX = 'The worker script failed before taking its first request:\n';

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Restarts the PHP workers for changed files or `ephpm reload`, one restart at a time. Changes that
 * arrive during a restart are kept and get exactly one more restart once it ends; a restart whose
 * new code fails to boot is reported once and not retried (the next change tries again).
 */
export class DevRestarts {
  private readonly queued = new Set<string>();
  private waiters: Waiter[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly report: DevReport,
  ) {}

  request(files: string[]): void {
    if (this.supervisor.isStopping) return;
    for (const file of files) this.queued.add(file);
    if (this.running) this.report.queued(files);
    this.running ??= this.runQueued().finally(() => (this.running = null));
  }

  /** `ephpm reload` against `ephpm dev`: a restart like a change's; rejects with the PHP error if the code does not boot. */
  reload(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.runQueued().finally(() => (this.running = null));
    return done;
  }

  private async runQueued(): Promise<void> {
    while ((this.queued.size > 0 || this.waiters.length > 0) && !this.supervisor.isStopping) {
      const files = [...this.queued];
      const waiters = this.waiters;
      this.queued.clear();
      this.waiters = [];
      const error = await this.restart(files);
      for (const waiter of waiters) {
        if (error === null) waiter.resolve();
        else
          waiter.reject(
            new EphpmError(
              'EPHPM_RELOAD_FAILED',
              `The new code failed to boot:\n${error}`,
              'Fix the code: ephpm dev tries again on the next change (or ephpm reload).',
            ),
          );
      }
    }
    for (const waiter of this.waiters.splice(0))
      waiter.reject(
        new EphpmError('EPHPM_STOPPING', 'The server is stopping, so it did not reload.', 'Start it again: ephpm dev'),
      );
  }

  /** Resolves with the PHP error when the new code fails to boot. */
  private async restart(files: string[]): Promise<string | null> {
    const started = performance.now();
    try {
      await this.supervisor.reload({ quiet: true, giveUpOnBootFailure: true });
      if (!this.supervisor.isStopping) this.report.restarted(files, performance.now() - started);
      return null;
    } catch (error) {
      const message = bootError(error as Error);
      if (!this.supervisor.isStopping) this.report.failed(files, message, this.supervisor.showsBootError);
      return message;
    }
  }
}

/** The PHP error itself, without the wrapping of the reload and the worker. */
export function bootError(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : error;
  return cause.message.startsWith(BOOT_FAILURE_PREFIX)
    ? cause.message.slice(BOOT_FAILURE_PREFIX.length)
    : cause.message;
}

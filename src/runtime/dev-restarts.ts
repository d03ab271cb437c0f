import { performance } from 'node:perf_hooks';
import type { DevReport } from './dev-report.js';
import type { Supervisor } from './supervisor.js';

const BOOT_FAILURE_PREFIX = 'The worker script failed before taking its first request:\n';

/**
 * Restarts the PHP workers for changed files, one restart at a time. Changes that arrive during
 * a restart are kept and get exactly one more restart once it ends; a restart whose new code
 * fails to boot is reported and not retried (the next change tries again).
 */
export class DevRestarts {
  private readonly queued = new Set<string>();
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

  private async runQueued(): Promise<void> {
    while (this.queued.size > 0 && !this.supervisor.isStopping) {
      const files = [...this.queued];
      this.queued.clear();
      await this.restart(files);
    }
  }

  private async restart(files: string[]): Promise<void> {
    const started = performance.now();
    try {
      await this.supervisor.reload({ quiet: true, giveUpOnBootFailure: true });
      if (!this.supervisor.isStopping) this.report.restarted(files, performance.now() - started);
    } catch (error) {
      if (!this.supervisor.isStopping) this.report.failed(files, bootError(error as Error));
    }
  }
}

/** The PHP error itself, without the wrapping of the reload and the worker. */
function bootError(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : error;
  return cause.message.startsWith(BOOT_FAILURE_PREFIX) ? cause.message.slice(BOOT_FAILURE_PREFIX.length) : cause.message;
}

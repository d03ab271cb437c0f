import type { WorkerStatus } from '../metrics/server-status.js';
import type { WorkerMessage, WorkerStats } from '../ipc/process-messages.js';
import { ProcessSlot } from './process-slot.js';

/** A request worker: a process slot, plus what replacing and reloading it needs. */
export class WorkerSlot extends ProcessSlot<WorkerStats> {
  /** Its temp dir (spooled bodies, uploads), made by the supervisor and removed once it has exited; null: none made. */
  tempDir: string | null = null;
  /** Where its PHP bridge keeps queued requests until PHP starts them (request-journal.ts); read once it has exited. */
  journal = '';
  /** The worker this one replaces once it is ready (recycling, reload). */
  replaces: WorkerSlot | null = null;
  /** Requests served, as last reported (a draining worker reports before it exits). */
  lastRequests?: number;
  /** A failed boot is neither logged nor retried: whoever asked for this worker reports it. */
  giveUpOnBootFailure = false;
  /** `ephpm dev` with no good code: a worker whose boot fails stays and answers with the PHP error (BootErrorPage). */
  bootError: string | null = null;
  /** It asked to be replaced (max_requests, max_memory): told when the replacement serves, it hands over itself. */
  retiring = false;
  /** The replacement forked for it (recycling, reload): one at a time, so a slot never gets two. */
  successor: WorkerSlot | null = null;
  /**
   * Its recycling replacement serves: it still answers until its limit, but counts as leaving (status, state
   * file, reload), and whatever happens to it now, it is not replaced again.
   */
  superseded = false;

  get leaving(): boolean {
    return this.draining || this.superseded;
  }

  /** Its row in `ephpm status`, from the stats it just reported (null: it did not answer). */
  statusRow(stats: WorkerStats | null, now: number): WorkerStatus {
    return {
      index: this.index,
      pid: this.pid,
      state: this.leaving ? 'draining' : this.ready ? 'serving' : this.bootError !== null ? 'boot-error' : 'starting',
      requests: stats?.requests ?? 0,
      inFlight: stats?.inFlight ?? 0,
      connections: stats?.connections ?? 0,
      rssBytes: stats?.rssBytes ?? 0,
      uptimeSeconds: this.uptimeSeconds(now),
      restarts: this.restarts,
      ...(this.startedBecause ? { lastRestart: this.startedBecause } : {}),
    };
  }
  /** Why this process replaced the slot's previous one (absent for the first). */
  startedBecause?: WorkerStatus['lastRestart'];
  /** Resolves once the worker has closed its listener (drain) or exited. */
  readonly stoppedAccepting = new Promise<void>((resolve) => {
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'draining') resolve();
    });
    void this.exit.then(resolve);
  });
}

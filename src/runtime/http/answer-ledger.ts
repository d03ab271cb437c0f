import type { RequestCounterSet } from '../metrics/request-counters.js';
import type { AccessEntry, AccessLog } from './access-log.js';

/**
 * Every answered request passes here once, whoever answered it (the front itself, Node with PHP's answer, PHP on the
 * socket, the native lane): counted by method and status, and logged when the access log is on. Those PHP ran are
 * also the worker's served total, which max_requests and the idle-memory clock follow.
 */
export class AnswerLedger {
  private total = 0;

  constructor(
    private readonly counters: RequestCounterSet,
    /** null: the access log is off. */
    private readonly accessLog: AccessLog | null,
    private readonly served: (total: number) => void,
  ) {}

  /** Requests PHP ran to an answer so far. */
  get servedByPhp(): number {
    return this.total;
  }

  answered(entry: AccessEntry): void {
    this.counters.answered(entry.method, entry.status, entry.durationMs);
    this.accessLog?.write(entry);
  }

  /** A request PHP ran was answered (`phpMs`: PHP's time to its answer, -1 when Node answered in its place). */
  phpRan(phpMs: number): void {
    this.total++;
    if (phpMs >= 0) this.counters.phpAnswered(phpMs);
    this.served(this.total);
  }
}

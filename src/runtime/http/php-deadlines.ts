// What the front enforces on a clock rather than per request (docs/ARCHITECTURE.md, "Limits and timeouts"): once per
// check interval, the request PHP runs may take request_timeout from when PHP took it (past it: 504, and the process
// is replaced); a request still waiting for PHP may wait queue_timeout (then 503: it never runs, nothing is
// replaced); the read gate's hand-offs; the connections' send and body timeouts. Which request PHP holds is read
// from the addon, never reported per request.
import type { ServerConfig } from '../config/server-config.js';
import type { RequestCounterSet } from '../metrics/request-counters.js';
import { queuedBehind, type EmbeddedPhp } from '../php/embedded-php.js';
import type { ConnectionWatch } from './connection-watch.js';
import { CHECK_INTERVAL_MS } from './front-server.js';
import type { NativeLane } from './native-lane.js';
import type { PhpPacedReading } from './php-paced-reading.js';
import type { PhpResponder } from './php-responder.js';

export interface DeadlineParts {
  lane: NativeLane<PhpResponder> | null;
  paced: PhpPacedReading | null;
  watch: ConnectionWatch;
  counters: RequestCounterSet;
  /** PHP did not answer in time: the process must be replaced. */
  stuck(): void;
  /** Each check. */
  tick(): void;
}

export class PhpDeadlines {
  private readonly timer: NodeJS.Timeout;
  private readonly timeoutMessage: string;
  private readonly queueTimeoutMessage: string;

  constructor(
    private readonly config: ServerConfig,
    private readonly php: EmbeddedPhp<PhpResponder>,
    private readonly parts: DeadlineParts,
  ) {
    this.timeoutMessage = `504 Gateway Timeout: PHP did not answer within ${config.requestTimeoutMs / 1000}s.\n`;
    this.queueTimeoutMessage = `503 Service Unavailable: the request waited ${config.queueTimeoutMs / 1000}s for a PHP worker; retry shortly.\n`;
    const shortest = Math.min(
      config.requestTimeoutMs,
      config.queueTimeoutMs,
      config.sendTimeoutMs,
      config.bodyTimeoutMs,
      config.handoffMs,
    );
    this.timer = setInterval(() => this.check(), Math.max(50, Math.min(CHECK_INTERVAL_MS, shortest / 4))).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const { lane, paced, counters } = this.parts;
    const now = Date.now();
    const [takenId, runningMs] = this.php.taken();
    const waiting = this.php.waiting();
    let stuck = false;
    if (lane?.tick(takenId, runningMs, this.config.requestTimeoutMs, this.timeoutMessage)) {
      paced?.phpIsStuck();
      stuck = true;
      counters.frontAnswered('timeout');
    }
    paced?.check(now, takenId, runningMs);
    for (const [id, responder] of waiting) {
      if (id === takenId && runningMs >= this.config.requestTimeoutMs) {
        paced?.phpIsStuck();
        if (responder.answerInstead(504, this.timeoutMessage)) {
          stuck = true;
          counters.frontAnswered('timeout');
        }
      } else if (
        queuedBehind(id, takenId) &&
        now - responder.arrivedAt >= this.config.queueTimeoutMs &&
        this.php.cancel(id)
      ) {
        if (responder.answerInstead(503, this.queueTimeoutMessage, { 'Retry-After': '1' }))
          counters.frontAnswered('queue_timeout');
      }
    }
    if (stuck) this.parts.stuck();
    this.parts.watch.check(now);
    this.parts.tick();
  }
}

import type { RecycleReason } from '../metrics/restarts.js';

export interface RecyclingLimits {
  /** 0 = never. */
  maxRequests: number;
  /** 0 = never. */
  maxMemoryBytes: number;
}

export interface RecyclingHooks {
  /** Ask the supervisor for a replacement (once). */
  replaceMe(reason: RecycleReason, rssBytes: number): void;
  /** The limit is reached and the replacement serves: hand over now. */
  handOver(): void;
}

/**
 * When a request worker asks to be replaced (max_requests, max_memory) and when it hands over. The
 * replacement is asked for ahead of max_requests, as many requests early as this worker serves
 * while a worker boots (three times its own boot time, at its rate so far): it is usually serving by
 * the time the limit is reached, and the old worker then stops at once, so it serves max_requests
 * plus only what it had already accepted. (A worker whose whole life is shorter than that asks at
 * once: the pool briefly runs twice its size.) Past max_memory it hands over as soon as the
 * replacement serves. Either way nothing fails: until the replacement is ready, the old worker
 * keeps serving. A worker whose replacement serves and that has been idle for a second hands over
 * too: with the traffic gone it would never reach its limit, and the slot would keep two processes.
 */
/** How many of its own boots ahead a worker asks for its replacement (a replacement booting under load takes longer). */
const BOOTS_AHEAD = 3;
/** Idle this long with its replacement serving, a worker hands over before its limit. */
const IDLE_HANDOVER_MS = 1000;

export class Recycling {
  private asked = false;
  private limitReached = false;
  private replacementReady = false;
  private firstServedAt = 0;
  private lastServedAt = 0;

  constructor(
    private readonly limits: RecyclingLimits,
    /** Seconds this process took from its start to serving: what a replacement will take, roughly. */
    private readonly bootSeconds: number,
    private readonly hooks: RecyclingHooks,
    /** Milliseconds, monotonic. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** After each answered request, with the running total. */
  served(total: number): void {
    const max = this.limits.maxRequests;
    if (max === 0) return;
    this.lastServedAt = this.now();
    if (total === 1) this.firstServedAt = this.lastServedAt;
    if (total >= max) {
      this.limitReached = true;
      this.ask('max-requests');
      this.maybeHandOver();
    } else if (!this.asked && total % 8 === 0) {
      // The rate so far, once there is something to measure it on.
      const seconds = (this.now() - this.firstServedAt) / 1000;
      if (seconds >= 0.1 && max - total <= (total / seconds) * this.bootSeconds * BOOTS_AHEAD) this.ask('max-requests');
    }
  }

  /** About once a second. */
  tick(): void {
    if (this.replacementReady && this.now() - this.lastServedAt >= IDLE_HANDOVER_MS) this.hooks.handOver();
    if (this.limits.maxMemoryBytes === 0 || this.limitReached) return;
    if (process.memoryUsage.rss() > this.limits.maxMemoryBytes) {
      this.limitReached = true;
      this.ask('memory');
      this.maybeHandOver();
    }
  }

  /** The supervisor says the replacement serves. */
  replacementServes(): void {
    this.replacementReady = true;
    this.maybeHandOver();
  }

  private ask(reason: RecycleReason): void {
    if (this.asked) return;
    this.asked = true;
    this.hooks.replaceMe(reason, process.memoryUsage.rss());
  }

  private maybeHandOver(): void {
    if (this.limitReached && this.replacementReady) this.hooks.handOver();
  }
}

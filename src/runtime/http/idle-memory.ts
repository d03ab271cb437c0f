import { nativeIdleMemory } from '../native/process-face.js';

/** Idle this long after its last answer, a worker gives memory back. */
export const IDLE_RELEASE_AFTER_MS = 2000;
/** At most this often, so that a trickle of requests does not cost a full GC every few seconds. */
export const IDLE_RELEASE_MIN_GAP_MS = 30_000;

/**
 * When a request or task worker gives back the memory its load left behind (V8's young generation and garbage,
 * glibc's free arenas): once it has answered requests (or run tasks) and then been idle IDLE_RELEASE_AFTER_MS, at
 * most once per IDLE_RELEASE_MIN_GAP_MS. Under steady load it never does; a worker that served nothing since it last
 * did, neither.
 */
export class IdleMemory {
  private lastServedAt = 0;
  private servedTotal = 0;
  private releasedAtTotal = 0;
  private releasedAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** Gives the memory back (V8's and glibc's, native/node/idle_memory_napi.cc). */
    private readonly release: () => void = () => nativeIdleMemory().releaseIdleMemory(),
    /** Milliseconds, monotonic. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** After each answered request (or task), with the running total. */
  served(total: number): void {
    this.servedTotal = total;
    this.lastServedAt = this.now();
  }

  /** About once a second. */
  tick(): void {
    if (this.servedTotal === this.releasedAtTotal) return;
    const now = this.now();
    if (now - this.lastServedAt < IDLE_RELEASE_AFTER_MS || now - this.releasedAt < IDLE_RELEASE_MIN_GAP_MS) return;
    this.releasedAtTotal = this.servedTotal;
    this.releasedAt = now;
    this.release();
  }
}

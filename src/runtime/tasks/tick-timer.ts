import type { TaskFunctions } from '../native/tasks-face.js';

export const TICK_INTERVAL_MS = 1_000;

/**
 * Feeds take_tick() once a second. Ticks never queue: while PHP runs a slow
 * tick, one more waits and the rest are dropped and counted as missed
 * (native/task_inbox.cc), so a slow tick is followed by one tick, not a burst.
 */
export class TickTimer {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly addon: TaskFunctions) {}

  start(): void {
    this.timer = setInterval(() => this.addon.tick(Date.now() / 1000), TICK_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  counts(): { taken: number; missed: number } {
    return this.addon.tickCounts();
  }
}

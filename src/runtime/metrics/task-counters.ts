import { emptyHistogram, type HistogramCounts } from './histogram.js';

/** What one task or tick worker counted since it started (cumulative), as it crosses the IPC channel. */
export interface TaskCounters {
  /** Tasks answered, successfully or not. */
  done: number;
  /** Tasks answered with fail_task() or that died with their script. */
  failed: number;
  /** Tasks refused because this worker's queue was full (the dispatcher tries another one). */
  rejected: number;
  /** Accepted to answered: the wait in this worker's queue included. */
  duration: HistogramCounts;
  ticks: number;
  missedTicks: number;
}

export function emptyTaskCounters(): TaskCounters {
  return { done: 0, failed: 0, rejected: 0, duration: emptyHistogram(), ticks: 0, missedTicks: 0 };
}

import type { ServerStatus } from './server-status.js';
import type { RequestCounters } from './request-counters.js';
import type { RestartCount } from './restarts.js';
import type { TaskCounters } from './task-counters.js';

/**
 * Everything the server counts, at one moment: what the control socket's `metrics` command returns
 * (`ephpm top`) and what the /metrics listener formats. Counters are cumulative since the server
 * started, gone processes included; rates come from the difference of two snapshots.
 */
export interface MetricsSnapshot {
  /** When the supervisor took it, ms since the epoch. */
  takenAt: number;
  /** What `ephpm status` shows: every process with pid, state, requests, in flight, RSS, restarts. */
  status: ServerStatus;
  /** The Prometheus listener, when one is configured. */
  metricsUrl: string | null;
  versions: { ephpm: string; node: string; php: string | null };
  queueSize: number;
  taskQueueSize: number;
  /** Upper bounds of every histogram's buckets (the last bucket, +Inf, has none). */
  bucketBoundsSeconds: number[];
  http: RequestCounters;
  tasks: TaskCounters;
  restarts: RestartCount[];
  tables: TableUsage[];
}

export interface TableUsage {
  name: string;
  rows: number;
  capacity: number;
}

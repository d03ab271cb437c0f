import kleur from 'kleur';
import { histogramDelta, quantile, type HistogramCounts } from '../runtime/metrics/histogram.js';
import { STATUS_CLASSES } from '../runtime/metrics/request-counters.js';
import type { MetricsSnapshot, TableUsage } from '../runtime/metrics/snapshot.js';
import { formatBytes, formatDuration, formatTable } from './format.js';

/** What `ephpm top` shows (and `--json` prints): rates and latencies over the last interval between two snapshots. */
export interface TopView {
  url: string;
  pid: number;
  uptimeSeconds: number;
  metricsUrl: string | null;
  /** Seconds between the two snapshots the rates come from; null for a first frame (no rates yet). */
  intervalSeconds: number | null;
  server: {
    requestsPerSecond: number | null;
    /** 5xx responses per second. */
    errorsPerSecond: number | null;
    /** Interpolated inside the duration histogram's buckets (as histogram_quantile() does); null without requests in the interval. */
    p50Seconds: number | null;
    p99Seconds: number | null;
    inFlight: number;
    totalRequests: number;
  };
  workers: TopWorker[];
  tables: TableUsage[];
  tasks: TopTasks | null;
}

export interface TopWorker {
  index: number;
  pid: number;
  role: 'http' | 'task' | 'tick';
  state: string;
  /** Requests (http), tasks (task) or ticks (tick) per second. */
  perSecond: number | null;
  /** Requests not answered yet (http), tasks held (task). */
  inFlight: number;
  rssBytes: number;
  /** Requests served, tasks answered, or ticks run by this process. */
  served: number;
  restarts: number;
}

export interface TopTasks {
  perSecond: number | null;
  /** Tasks waiting behind the running ones, all task workers together. */
  queued: number;
  queueCapacityPerWorker: number;
  p50Seconds: number | null;
  p99Seconds: number | null;
  failed: number;
  rejected: number;
}

export function topView(current: MetricsSnapshot, previous: MetricsSnapshot | null): TopView {
  const { status, http } = current;
  const seconds = previous ? Math.max(0.001, (current.takenAt - previous.takenAt) / 1000) : null;
  const rate = (now: number, before: number | undefined) =>
    seconds === null || before === undefined ? null : Math.max(0, now - before) / seconds;
  const window = (now: HistogramCounts, before: HistogramCounts | undefined) =>
    before ? histogramDelta(now, before) : now;
  const answered = (counters: MetricsSnapshot['http']) => counters.responses.reduce((sum, count) => sum + count, 0);
  const errors = (counters: MetricsSnapshot['http']) =>
    counters.responses.filter((_, i) => i % STATUS_CLASSES.length === 4).reduce((sum, count) => sum + count, 0);
  const bounds = current.bucketBoundsSeconds;
  const latency = window(http.duration, previous?.http.duration);
  const taskLatency = window(current.tasks.duration, previous?.tasks.duration);
  const servedBefore = new Map<number, number>();
  for (const w of previous?.status.workers ?? []) servedBefore.set(w.pid, w.requests);
  for (const w of previous?.status.taskWorkers ?? []) servedBefore.set(w.pid, w.done);
  // A process that started during the interval did all of its work in it.
  const perSecond = (pid: number, served: number) => rate(served, servedBefore.get(pid) ?? (previous ? 0 : undefined));

  const workers: TopWorker[] = [
    ...status.workers.map((w) => ({
      index: w.index,
      pid: w.pid,
      role: 'http' as const,
      state: w.state,
      perSecond: perSecond(w.pid, w.requests),
      inFlight: w.inFlight,
      rssBytes: w.rssBytes,
      served: w.requests,
      restarts: w.restarts,
    })),
    ...status.taskWorkers.map((w) => ({
      index: w.index,
      pid: w.pid,
      role: w.role,
      state: w.state,
      perSecond: perSecond(w.pid, w.done),
      inFlight: w.waiting,
      rssBytes: w.rssBytes,
      served: w.done,
      restarts: w.restarts,
    })),
  ];
  const taskWorkers = status.taskWorkers.filter((w) => w.role === 'task');
  return {
    url: status.url,
    pid: status.pid,
    uptimeSeconds: status.uptimeSeconds,
    metricsUrl: current.metricsUrl,
    intervalSeconds: seconds,
    server: {
      requestsPerSecond: rate(answered(http), previous ? answered(previous.http) : undefined),
      errorsPerSecond: rate(errors(http), previous ? errors(previous.http) : undefined),
      p50Seconds: seconds === null ? null : quantile(latency, 0.5, bounds),
      p99Seconds: seconds === null ? null : quantile(latency, 0.99, bounds),
      inFlight: status.workers.reduce((sum, w) => sum + w.inFlight, 0),
      totalRequests: status.totalRequests,
    },
    workers,
    tables: current.tables,
    tasks:
      taskWorkers.length === 0
        ? null
        : {
            perSecond: rate(current.tasks.done, previous?.tasks.done),
            queued: taskWorkers.reduce((sum, w) => sum + Math.max(0, w.waiting - 1), 0),
            queueCapacityPerWorker: current.taskQueueSize,
            p50Seconds: seconds === null ? null : quantile(taskLatency, 0.5, bounds),
            p99Seconds: seconds === null ? null : quantile(taskLatency, 0.99, bounds),
            failed: current.tasks.failed,
            rejected: current.tasks.rejected,
          },
  };
}

const count = (n: number) => n.toLocaleString('en');
const perSecond = (n: number | null) =>
  n === null ? '-' : n === 0 ? '0' : n >= 100 ? count(Math.round(n)) : n.toFixed(1);

export function formatLatency(seconds: number | null): string {
  if (seconds === null) return '-';
  const ms = seconds * 1000;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** The screen, line by line (kleur colours; no cursor movement). */
export function renderTop(view: TopView): string[] {
  const { server } = view;
  const lines = [
    `${kleur.green('●')} ${kleur.bold(view.url)}  pid ${view.pid}  up ${formatDuration(view.uptimeSeconds)}${view.metricsUrl ? kleur.dim(`  metrics ${view.metricsUrl}`) : ''}`,
    `${kleur.bold(perSecond(server.requestsPerSecond))} req/s   p50 ${formatLatency(server.p50Seconds)}   p99 ${formatLatency(server.p99Seconds)}   ` +
      `${server.errorsPerSecond ? kleur.red(`${perSecond(server.errorsPerSecond)} errors/s`) : `${perSecond(server.errorsPerSecond)} errors/s`}   ` +
      `${server.inFlight} in flight   ${count(server.totalRequests)} requests`,
    '',
    formatTable(
      ['WORKER', 'ROLE', 'PID', 'STATE', 'REQ/S', 'IN FLIGHT', 'RSS', 'SERVED', 'RESTARTS'],
      view.workers.map((w) => [
        w.role === 'http' ? `#${w.index}` : w.role === 'tick' ? 'tick' : `task #${w.index}`,
        w.role,
        String(w.pid),
        w.state,
        perSecond(w.perSecond),
        w.role === 'tick' ? '-' : String(w.inFlight),
        formatBytes(w.rssBytes),
        count(w.served),
        String(w.restarts),
      ]),
    ),
  ];
  if (view.tables.length > 0) {
    lines.push(
      '',
      formatTable(
        ['TABLE', 'ROWS', 'CAPACITY', 'USED'],
        view.tables.map((t) => [
          t.name,
          count(t.rows),
          count(t.capacity),
          `${t.capacity === 0 ? 0 : Math.round((100 * t.rows) / t.capacity)}%`,
        ]),
      ),
    );
  }
  if (view.tasks) {
    const t = view.tasks;
    lines.push(
      '',
      `tasks  ${perSecond(t.perSecond)}/s   queued ${count(t.queued)} (at most ${count(t.queueCapacityPerWorker)} per task worker)   ` +
        `p50 ${formatLatency(t.p50Seconds)}   p99 ${formatLatency(t.p99Seconds)}   failed ${count(t.failed)}   refused ${count(t.rejected)}`,
    );
  }
  return lines.flatMap((line) => line.split('\n'));
}

import { AggregatorRegistry } from 'prom-client';
import type { HistogramCounts } from './histogram.js';
import { FRONT_ANSWERS, METHOD_CLASSES, STATUS_CLASSES } from './request-counters.js';
import type { MetricsSnapshot } from './snapshot.js';

type Labels = Record<string, string | number>;
interface Sample {
  value: number;
  labels: Labels;
  metricName?: string;
}
interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The snapshot in Prometheus' text format. The families are built here from the server-wide totals and
 * prom-client writes them out (names, label escaping, `le` buckets), through the public
 * `AggregatorRegistry.aggregate()` that turns metric objects into a registry.
 */
export function prometheusText(snapshot: MetricsSnapshot): Promise<string> {
  const registry = AggregatorRegistry.aggregate([families(snapshot)]);
  return registry.metrics();
}

export function families(snapshot: MetricsSnapshot): Family[] {
  const { status, http, tasks } = snapshot;
  const bounds = snapshot.bucketBoundsSeconds;
  const family = (name: string, type: Family['type'], help: string, values: Sample[]): Family => ({
    name,
    help,
    type,
    values,
    aggregator: 'sum',
  });
  const one = (value: number, labels: Labels = {}): Sample => ({ value, labels });
  const perSlot = new Map<string, { role: string; worker: number; rss: number; inFlight: number; waiting: number }>();
  // A replacement and the process it replaces share a slot for a moment (hand-over): their figures add up.
  const slot = (role: string, worker: number) => {
    const key = `${role} ${worker}`;
    let entry = perSlot.get(key);
    if (!entry) perSlot.set(key, (entry = { role, worker, rss: 0, inFlight: 0, waiting: 0 }));
    return entry;
  };
  for (const w of status.workers) {
    const entry = slot('http', w.index);
    entry.rss += w.rssBytes;
    entry.inFlight += w.inFlight;
  }
  for (const w of status.taskWorkers) {
    const entry = slot(w.role, w.index);
    entry.rss += w.rssBytes;
    entry.waiting += w.waiting;
  }
  const slots = [...perSlot.values()];
  const httpSlots = slots.filter((s) => s.role === 'http');
  const taskSlots = slots.filter((s) => s.role === 'task');
  const states = new Map<string, { role: string; state: string; count: number }>();
  for (const w of [...status.workers.map((w) => ({ role: 'http', state: w.state })), ...status.taskWorkers]) {
    const key = `${w.role} ${w.state}`;
    states.set(key, { role: w.role, state: w.state, count: (states.get(key)?.count ?? 0) + 1 });
  }

  return [
    family('ephpm_info', 'gauge', 'Versions of this ephpm server (always 1).', [
      one(1, {
        version: snapshot.versions.ephpm,
        node_version: snapshot.versions.node,
        php_version: snapshot.versions.php ?? 'unknown',
      }),
    ]),
    family('ephpm_start_time_seconds', 'gauge', 'When the server started, seconds since the epoch.', [
      one(Date.parse(status.startedAt) / 1000),
    ]),
    family(
      'ephpm_http_requests_total',
      'counter',
      "HTTP requests answered, by method and status class (PHP, static files and the front's own answers).",
      METHOD_CLASSES.flatMap((method, i) =>
        STATUS_CLASSES.map((statusClass, j) =>
          one(http.responses[i * STATUS_CLASSES.length + j] ?? 0, { method, status_class: statusClass }),
        ),
      ),
    ),
    histogram(
      'ephpm_http_request_duration_seconds',
      'From the request head parsed to the response ended, every answered request.',
      http.duration,
      bounds,
    ),
    histogram(
      'ephpm_http_php_duration_seconds',
      "From the request handed to PHP to PHP's answer, requests PHP answered.",
      http.phpDuration,
      bounds,
    ),
    family(
      'ephpm_http_front_responses_total',
      'counter',
      'Answers the HTTP front gave itself instead of PHP, by status code and reason.',
      FRONT_ANSWERS.map((answer, i) =>
        one(http.frontAnswers[i] ?? 0, { code: String(answer.code), reason: answer.reason }),
      ),
    ),
    family(
      'ephpm_http_requests_in_flight',
      'gauge',
      'Requests handed to PHP and not answered yet, by request worker.',
      httpSlots.map((s) => one(s.inFlight, { worker: s.worker })),
    ),
    family(
      'ephpm_http_queue_depth',
      'gauge',
      'Requests waiting behind the one PHP runs, by request worker (503 above ephpm_http_queue_capacity).',
      httpSlots.map((s) => one(Math.max(0, s.inFlight - 1), { worker: s.worker })),
    ),
    family('ephpm_http_queue_capacity', 'gauge', 'Requests a request worker holds while PHP is busy (queue_size).', [
      one(snapshot.queueSize),
    ]),
    family(
      'ephpm_workers',
      'gauge',
      'Worker processes by role and state.',
      [...states.values()].map((s) => one(s.count, { role: s.role, state: s.state })),
    ),
    family(
      'ephpm_worker_restarts_total',
      'counter',
      'Worker processes replaced, by role and reason.',
      snapshot.restarts.map((r) => one(r.count, { role: r.role, reason: r.reason })),
    ),
    family(
      'ephpm_worker_rss_bytes',
      'gauge',
      'Resident memory of each worker process, by role and worker slot.',
      slots.map((s) => one(s.rss, { role: s.role, worker: s.worker })),
    ),
    family(
      'ephpm_table_rows',
      'gauge',
      'Rows in use in each shared table.',
      snapshot.tables.map((t) => one(t.rows, { table: t.name })),
    ),
    family(
      'ephpm_table_capacity_rows',
      'gauge',
      'Rows each shared table can hold.',
      snapshot.tables.map((t) => one(t.capacity, { table: t.name })),
    ),
    family(
      'ephpm_task_queue_depth',
      'gauge',
      'Tasks waiting behind the one a task worker runs, by task worker.',
      taskSlots.map((s) => one(Math.max(0, s.waiting - 1), { worker: s.worker })),
    ),
    family('ephpm_task_queue_capacity', 'gauge', 'Tasks a busy task worker holds before refusing (task_queue_size).', [
      one(snapshot.taskQueueSize),
    ]),
    family('ephpm_tasks_total', 'counter', 'Tasks answered, by outcome.', [
      one(tasks.done - tasks.failed, { outcome: 'finished' }),
      one(tasks.failed, { outcome: 'failed' }),
    ]),
    family('ephpm_tasks_rejected_total', 'counter', 'Tasks a task worker refused because its queue was full.', [
      one(tasks.rejected),
    ]),
    histogram(
      'ephpm_task_duration_seconds',
      'From a task accepted by a task worker to its answer, the wait in its queue included.',
      tasks.duration,
      bounds,
    ),
    family('ephpm_ticks_total', 'counter', "Ticks the tick worker's PHP took.", [one(tasks.ticks)]),
    family('ephpm_ticks_missed_total', 'counter', 'Ticks dropped because the previous tick was still running.', [
      one(tasks.missedTicks),
    ]),
  ];

  function histogram(name: string, help: string, counts: HistogramCounts, bucketBounds: number[]): Family {
    let cumulative = 0;
    const values: Sample[] = counts.buckets.map((count, i) => {
      cumulative += count;
      return {
        value: cumulative,
        labels: { le: i < bucketBounds.length ? bucketBounds[i]! : '+Inf' },
        metricName: `${name}_bucket`,
      };
    });
    values.push(
      { value: counts.sumSeconds, labels: {}, metricName: `${name}_sum` },
      { value: counts.count, labels: {}, metricName: `${name}_count` },
    );
    return family(name, 'histogram', help, values);
  }
}

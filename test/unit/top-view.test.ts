import { describe, expect, it } from 'vitest';
import { renderTop, topView } from '../../src/cli/top-view.js';
import { BUCKET_BOUNDS_SECONDS, emptyHistogram } from '../../src/runtime/metrics/histogram.js';
import { emptyRequestCounters, METHOD_CLASSES, STATUS_CLASSES } from '../../src/runtime/metrics/request-counters.js';
import type { MetricsSnapshot } from '../../src/runtime/metrics/snapshot.js';
import { emptyTaskCounters } from '../../src/runtime/metrics/task-counters.js';

const GET_2XX = METHOD_CLASSES.indexOf('GET') * STATUS_CLASSES.length + 1;
const POST_5XX = METHOD_CLASSES.indexOf('POST') * STATUS_CLASSES.length + 4;
const MS_1 = BUCKET_BOUNDS_SECONDS.indexOf(0.001);

/** A server with two request workers, a task worker and the tick worker, `at` ms after it started. */
function snapshot(
  at: number,
  served: { w1: number; w2: number; errors: number; fastRequests: number; tasks: number },
): MetricsSnapshot {
  const http = emptyRequestCounters();
  http.responses[GET_2XX] = served.w1 + served.w2 - served.errors;
  http.responses[POST_5XX] = served.errors;
  http.duration.buckets[MS_1] = served.fastRequests;
  http.duration.buckets[MS_1 + 1] = served.w1 + served.w2 - served.fastRequests;
  http.duration.count = served.w1 + served.w2;
  const tasks = { ...emptyTaskCounters(), done: served.tasks, failed: 1, rejected: 2 };
  const worker = {
    uptimeSeconds: at / 1000,
    restarts: 0,
    state: 'serving' as const,
    inFlight: 1,
    connections: 2,
    rssBytes: 100 * 1024 * 1024,
  };
  return {
    takenAt: 1_000_000 + at,
    status: {
      pid: 10,
      url: 'http://127.0.0.1:8000',
      host: '127.0.0.1',
      port: 8000,
      startedAt: '2026-01-01T00:00:00.000Z',
      uptimeSeconds: at / 1000,
      totalRequests: served.w1 + served.w2,
      workers: [
        { ...worker, index: 1, pid: 11, requests: served.w1 },
        { ...worker, index: 2, pid: 12, requests: served.w2, restarts: 3 },
      ],
      taskWorkers: [
        {
          role: 'task',
          index: 1,
          pid: 13,
          state: 'running',
          done: served.tasks,
          waiting: 3,
          missedTicks: 0,
          rssBytes: 70 * 1024 * 1024,
          uptimeSeconds: at / 1000,
          restarts: 0,
        },
        {
          role: 'tick',
          index: 1,
          pid: 14,
          state: 'running',
          done: at / 1000,
          waiting: 0,
          missedTicks: 0,
          rssBytes: 70 * 1024 * 1024,
          uptimeSeconds: at / 1000,
          restarts: 0,
        },
      ],
    },
    metricsUrl: null,
    versions: { ephpm: '0.1.0', node: '20', php: '8.2.0' },
    queueSize: 128,
    taskQueueSize: 256,
    bucketBoundsSeconds: BUCKET_BOUNDS_SECONDS,
    http,
    tasks: { ...tasks, duration: emptyHistogram() },
    restarts: [],
    tables: [{ name: 'users', rows: 250, capacity: 1000 }],
  };
}

describe('ephpm top', () => {
  const earlier = snapshot(10_000, { w1: 100, w2: 100, errors: 0, fastRequests: 200, tasks: 10 });
  const later = snapshot(12_000, { w1: 300, w2: 500, errors: 20, fastRequests: 500, tasks: 30 });

  it('turns two snapshots into rates over the interval between them', () => {
    const view = topView(later, earlier);
    expect(view.intervalSeconds).toBe(2);
    expect(view.server).toMatchObject({ requestsPerSecond: 300, errorsPerSecond: 10, inFlight: 2, totalRequests: 800 });
    expect(view.workers.map((w) => [w.role, w.index, w.perSecond, w.served])).toEqual([
      ['http', 1, 100, 300],
      ['http', 2, 200, 500],
      ['task', 1, 10, 30],
      ['tick', 1, 1, 12],
    ]);
    expect(view.tasks).toMatchObject({ perSecond: 10, queued: 2, failed: 1, rejected: 2, queueCapacityPerWorker: 256 });
  });

  it('takes p50 and p99 from the requests of the interval only, interpolated in their buckets', () => {
    // In the interval: 300 requests in (0.5 ms, 1 ms], 300 in (1 ms, 2.5 ms].
    const view = topView(later, earlier);
    expect(view.server.p50Seconds).toBeCloseTo(0.001, 9);
    expect(view.server.p99Seconds).toBeCloseTo(0.001 + 0.0015 * ((0.99 * 600 - 300) / 300), 9);
    expect(view.server.p99Seconds).toBeLessThan(0.0025);
  });

  it('has no rates on a first frame, and none when nothing happened', () => {
    const first = topView(later, null);
    expect(first.server).toMatchObject({ requestsPerSecond: null, p50Seconds: null, p99Seconds: null });
    expect(first.workers.every((w) => w.perSecond === null)).toBe(true);
    const idle = topView(later, later);
    expect(idle.server).toMatchObject({ requestsPerSecond: 0, errorsPerSecond: 0, p50Seconds: null });
  });

  it('counts a process that started during the interval from zero', () => {
    const replaced = snapshot(12_000, { w1: 300, w2: 500, errors: 20, fastRequests: 500, tasks: 30 });
    replaced.status.workers[0]!.pid = 99;
    replaced.status.workers[0]!.requests = 50;
    expect(topView(replaced, earlier).workers[0]!.perSecond).toBe(25);
  });

  it('renders a server line, one row per worker process, the tables and the task queue', () => {
    const lines = renderTop(topView(later, earlier)).map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(lines[0]).toBe('● http://127.0.0.1:8000  pid 10  up 12s');
    expect(lines[1]).toBe('300 req/s   p50 1.00 ms   p99 2.47 ms   10.0 errors/s   2 in flight   800 requests');
    expect(lines.slice(3, 8)).toEqual([
      'WORKER   ROLE  PID  STATE    REQ/S  IN FLIGHT  RSS       SERVED  RESTARTS',
      '#1       http  11   serving  100    1          100.0 MB  300     0',
      '#2       http  12   serving  200    1          100.0 MB  500     3',
      'task #1  task  13   running  10.0   3          70.0 MB   30      0',
      'tick     tick  14   running  1.0    -          70.0 MB   12      0',
    ]);
    expect(lines).toContain('users  250   1,000     25%');
    expect(lines.at(-1)).toBe(
      'tasks  10.0/s   queued 2 (at most 256 per task worker)   p50 -   p99 -   failed 1   refused 2',
    );
  });
});

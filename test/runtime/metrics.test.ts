import { describe, expect, it } from 'vitest';
import { appWorker, fixture, runCli, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { metricsUrl, promtool, sample, scrape, scrapeUntil } from '../helpers/metrics.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

const requests = (method: string, statusClass: string) =>
  `ephpm_http_requests_total{method="${method}",status_class="${statusClass}"}`;
const restarts = (role: string, reason: string) => `ephpm_worker_restarts_total{role="${role}",reason="${reason}"}`;

/** A server with `--metrics 127.0.0.1:0` and these flags, for the length of `run`. */
async function withMetrics(args: string[], run: (server: RunningServer, url: string) => Promise<void>): Promise<void> {
  const server = await startServer([...args, '--metrics', '127.0.0.1:0']);
  try {
    await run(server, await metricsUrl(server));
  } finally {
    await server.stop();
  }
}

async function get(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

describe('/metrics', () => {
  it('is valid Prometheus exposition (promtool check metrics) with every family, tasks, ticks and tables included', async () => {
    await withMetrics(
      [
        '--worker',
        fixture('workers', 'tasks.php'),
        '--workers',
        '2',
        '--task-workers',
        '1',
        '--tick',
        '--tables',
        '{"users:100":{"name":"string:32"}}',
        '--no-access-log',
      ],
      async (server, url) => {
        const tasks = JSON.stringify({ tasks: { a: { op: 'echo', value: 'x' }, b: { op: 'throw', message: 'no' } } });
        expect(await get(`${server.url}/run`, { method: 'POST', body: tasks })).toBe(200);
        const text = await scrapeUntil(
          url,
          (scraped) => (sample(scraped, 'ephpm_ticks_total') ?? 0) > 0,
          'a tick counted',
        );
        const lint = promtool(text);
        expect(lint.output).toBe('');
        expect(lint.code).toBe(0);
        const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
        expect(families).toEqual([
          'ephpm_info gauge',
          'ephpm_start_time_seconds gauge',
          'ephpm_http_requests_total counter',
          'ephpm_http_request_duration_seconds histogram',
          'ephpm_http_php_duration_seconds histogram',
          'ephpm_http_front_responses_total counter',
          'ephpm_http_requests_in_flight gauge',
          'ephpm_http_queue_depth gauge',
          'ephpm_http_queue_capacity gauge',
          'ephpm_workers gauge',
          'ephpm_worker_restarts_total counter',
          'ephpm_worker_rss_bytes gauge',
          'ephpm_table_rows gauge',
          'ephpm_table_capacity_rows gauge',
          'ephpm_task_queue_depth gauge',
          'ephpm_task_queue_capacity gauge',
          'ephpm_tasks_total counter',
          'ephpm_tasks_rejected_total counter',
          'ephpm_task_duration_seconds histogram',
          'ephpm_ticks_total counter',
          'ephpm_ticks_missed_total counter',
        ]);
        expect(text).toMatch(
          /^ephpm_info\{version="0\.1\.0",node_version="\d+\.\d+\.\d+",php_version="8\.2\.\d+"\} 1$/m,
        );
        expect(sample(text, 'ephpm_tasks_total{outcome="finished"}')).toBe(1);
        expect(sample(text, 'ephpm_tasks_total{outcome="failed"}')).toBe(1);
        expect(sample(text, 'ephpm_task_duration_seconds_count')).toBe(2);
        expect(sample(text, 'ephpm_table_capacity_rows{table="users"}')).toBe(100);
        for (const [role, worker] of [
          ['http', 1],
          ['http', 2],
          ['task', 1],
          ['tick', 1],
        ]) {
          expect(sample(text, `ephpm_worker_rss_bytes{role="${role}",worker="${worker}"}`)).toBeGreaterThan(
            10 * 1024 * 1024,
          );
        }
        expect(text).not.toMatch(/pid=/);
        expect(await get(url.replace('/metrics', '/other'))).toBe(404);
      },
    );
  });

  it('counts every answered request by method and status class, with durations, and the 413 the front answers itself', async () => {
    await withMetrics(
      ['--worker', appWorker, '--workers', '2', '--max-body-size', '1k', '--no-access-log'],
      async (server, url) => {
        for (let i = 0; i < 7; i++) expect(await get(`${server.url}/pid`)).toBe(200);
        for (let i = 0; i < 3; i++) expect(await get(`${server.url}/no-such-route`)).toBe(404);
        for (let i = 0; i < 2; i++)
          expect(await get(`${server.url}/status?code=503`, { method: 'POST', body: 'x' })).toBe(503);
        expect(await get(`${server.url}/request`, { method: 'PUT', body: 'x'.repeat(4096) })).toBe(413);
        // The client can see PHP's direct write a moment before the worker counts it: wait for the total.
        const text = await scrapeUntil(
          url,
          (scraped) => sample(scraped, 'ephpm_http_request_duration_seconds_count') === 13,
          '13 requests counted',
        );
        expect(sample(text, requests('GET', '2xx'))).toBe(7);
        expect(sample(text, requests('GET', '4xx'))).toBe(3);
        expect(sample(text, requests('POST', '5xx'))).toBe(2);
        expect(sample(text, requests('PUT', '4xx'))).toBe(1);
        const total = [...text.matchAll(/^ephpm_http_requests_total\{.*\} (\d+)$/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        expect(total).toBe(13);
        expect(sample(text, 'ephpm_http_front_responses_total{code="413",reason="body_too_large"}')).toBe(1);
        // PHP's 503 is PHP's, not the front's.
        expect(sample(text, 'ephpm_http_front_responses_total{code="503",reason="queue_full"}')).toBe(0);
        expect(sample(text, 'ephpm_http_php_duration_seconds_count')).toBe(12);
        expect(sample(text, 'ephpm_http_request_duration_seconds_bucket{le="+Inf"}')).toBe(13);
        expect(sample(text, 'ephpm_http_request_duration_seconds_sum')).toBeGreaterThan(0);
        expect(sample(text, 'ephpm_http_requests_in_flight{worker="1"}')).toBe(0);
      },
    );
  });

  it('counts the 503 of a full queue and shows the requests in flight and queued meanwhile', async () => {
    await withMetrics(
      ['--worker', appWorker, '--workers', '1', '--queue-size', '1', '--no-access-log'],
      async (server, url) => {
        const slow = [get(`${server.url}/sleep?ms=3000`), get(`${server.url}/sleep?ms=10`)];
        const busy = await scrapeUntil(
          url,
          (scraped) => sample(scraped, 'ephpm_http_requests_in_flight{worker="1"}') === 2,
          'two requests in flight',
        );
        expect(sample(busy, 'ephpm_http_queue_depth{worker="1"}')).toBe(1);
        expect(sample(busy, 'ephpm_http_queue_capacity')).toBe(1);
        expect(await get(`${server.url}/pid`)).toBe(503);
        expect(await Promise.all(slow)).toEqual([200, 200]);
        const text = await scrapeUntil(
          url,
          (scraped) => sample(scraped, 'ephpm_http_request_duration_seconds_count') === 3,
          'three requests counted',
        );
        expect(sample(text, 'ephpm_http_front_responses_total{code="503",reason="queue_full"}')).toBe(1);
        expect(sample(text, requests('GET', '5xx'))).toBe(1);
        expect(sample(text, requests('GET', '2xx'))).toBe(2);
      },
    );
  });

  it('counts worker restarts by reason (max-requests, crash, reload) and keeps what replaced workers counted', async () => {
    await withMetrics(
      ['--worker', appWorker, '--workers', '1', '--max-requests', '5', '--no-access-log'],
      async (server, url) => {
        const first = (await serverStatus(server)).workers[0]!.pid;
        for (let i = 0; i < 5; i++) expect(await get(`${server.url}/pid`)).toBe(200);
        await scrapeUntil(
          url,
          (scraped) =>
            sample(scraped, restarts('http', 'max-requests')) === 1 &&
            sample(scraped, 'ephpm_workers{role="http",state="serving"}') === 1,
          'the recycled worker replaced',
        );
        // The old worker reported its count before it left: nothing lost.
        let text = await scrapeUntil(
          url,
          (scraped) => sample(scraped, requests('GET', '2xx')) === 5,
          "the recycled worker's requests kept",
        );
        expect(sample(text, restarts('http', 'crash'))).toBe(0);

        const second = await waitFor(async () => {
          const worker = (await serverStatus(server)).workers.find((w) => w.state === 'serving' && w.pid !== first);
          return worker?.pid;
        }, 'the replacement serving');
        for (let i = 0; i < 2; i++) expect(await get(`${server.url}/pid`)).toBe(200);
        await scrapeUntil(url, (scraped) => sample(scraped, requests('GET', '2xx')) === 7, 'two more requests counted');
        process.kill(second, 'SIGKILL');
        text = await scrapeUntil(
          url,
          (scraped) =>
            sample(scraped, restarts('http', 'crash')) === 1 &&
            sample(scraped, 'ephpm_workers{role="http",state="serving"}') === 1,
          'the killed worker replaced',
        );
        expect(sample(text, requests('GET', '2xx'))).toBe(7);

        const reload = await runCli(['reload', '--state-file', server.stateFile]);
        expect(reload.code, reload.output).toBe(0);
        text = await scrape(url);
        expect(sample(text, restarts('http', 'reload'))).toBe(1);
        expect(sample(text, restarts('http', 'max-requests'))).toBe(1);
        expect(sample(text, restarts('http', 'crash'))).toBe(1);
        expect(sample(text, restarts('http', 'timeout'))).toBe(0);
        expect(sample(text, requests('GET', '2xx'))).toBe(7);
      },
    );
  });

  it("refuses to start on the app's own address", async () => {
    const result = await runCli(['serve', '--worker', appWorker, '--port', '8765', '--metrics', '127.0.0.1:8765']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      /The metrics listener 127\.0\.0\.1:8765 is the app's own address: \/metrics must not be served on the app's port/,
    );
    expect(result.output).not.toMatch(/serving http/);
  });

  it('is off by default: no listener configured, none started', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const top = await runCli(['top', '--once', '--json', '--state-file', server.stateFile]);
      expect(top.code, top.output).toBe(0);
      expect(JSON.parse(top.stdout)).toMatchObject({ metricsUrl: null });
      expect(server.output()).not.toMatch(/metrics on/);
    } finally {
      await server.stop();
    }
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, getJson, startServer, tempDir } from '../helpers/ephpm-server.js';
import { laneRequestRunning } from '../helpers/native-lane.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

const hardeningWorker = fixture('workers', 'hardening.php');

describe('the request timeout counts time in PHP, not time in the queue', () => {
  it('lets queued requests run their full time: a busy worker is not stuck, and nothing is replaced', async () => {
    const server = await startServer([
      '--worker',
      hardeningWorker,
      '--workers',
      '1',
      '--request-timeout',
      '3',
      '--queue-size',
      '10',
    ]);
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      // Four 1-second requests at once: the last waits 3 s for PHP, then runs 1 s.
      const statuses = await Promise.all(
        Array.from({ length: 4 }, () => fetch(`${server.url}/sleep?ms=1000`).then((r) => r.status)),
      );
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect((await getJson<{ pid: number }>(`${server.url}/pid`)).pid).toBe(pid);
      expect((await serverStatus(server)).workers[0]).toMatchObject({ pid, restarts: 0 });
      expect(server.output()).not.toMatch(/replacing this worker process/);
    } finally {
      await server.stop();
    }
  });

  it('answers a request that waited queue_timeout for PHP with 503; it never runs, and the worker stays', async () => {
    const server = await startServer([
      '--worker',
      hardeningWorker,
      '--workers',
      '1',
      '--queue-timeout',
      '1',
      '--request-timeout',
      '30',
    ]);
    try {
      const started = join(tempDir(), 'started');
      const long = fetch(`${server.url}/sleep?ms=3000&started=${encodeURIComponent(started)}`);
      await waitFor(() => existsSync(started), 'PHP to take the long request');
      const queued = await fetch(`${server.url}/sleep?ms=10`);
      expect(queued.status).toBe(503);
      expect(queued.headers.get('retry-after')).toBe('1');
      expect(await queued.text()).toBe(
        '503 Service Unavailable: the request waited 1s for a PHP worker; retry shortly.\n',
      );
      expect((await long).status).toBe(200);
      // PHP counted the long request and this one: the queued request never reached it.
      expect(await getJson<{ served: number }>(`${server.url}/pid`)).toMatchObject({ served: 2 });
      expect((await serverStatus(server)).workers[0]).toMatchObject({ restarts: 0 });
    } finally {
      await server.stop();
    }
  });

  it('answers 503 as well when the long request is one the native lane read, and the waiting one was read and queued', async () => {
    const server = await startServer([
      '--worker',
      hardeningWorker,
      '--workers',
      '1',
      '--queue-timeout',
      '1',
      '--park-after-ms',
      '5000',
    ]);
    try {
      const { connection } = await laneRequestRunning(server.port, '/sleep?ms=3000');
      const queued = await fetch(`${server.url}/sleep?ms=10`);
      expect(queued.status).toBe(503);
      expect((await connection.read({ timeoutMs: 15_000 })).statusLine).toBe('HTTP/1.1 200 OK');
      connection.close();
    } finally {
      await server.stop();
    }
  });
});

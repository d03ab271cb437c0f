import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, getJson, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { alphabetBytes, RawConnection } from '../helpers/raw-http.js';
import { serverStatus } from '../helpers/status.js';
import { processGone, waitFor } from '../helpers/wait-for.js';

const hardeningWorker = fixture('workers', 'hardening.php');

const start = (...args: string[]) => startServer(['--worker', hardeningWorker, '--workers', '1', ...args]);

/** A client that sends `request` and then reads nothing of the answer. */
async function nonReader(server: RunningServer, path: string): Promise<RawConnection> {
  const client = await RawConnection.open(server.port);
  client.socket.pause();
  client.get([path]);
  return client;
}

/** `ephpm reload`, then the old worker's pid: it must leave, whatever its clients do. */
async function reloadAway(server: RunningServer, pid: number): Promise<void> {
  const reload = await runCli(['reload', '--state-file', server.stateFile]);
  expect(reload.code, reload.output).toBe(0);
  await waitFor(() => processGone(pid), `the old worker ${pid} to be gone`);
}

describe('a client that does not read its response', () => {
  it('is dropped after send_timeout; PHP streaming to it sees send_chunk() return false, and the worker serves on', async () => {
    const server = await start('--send-timeout', '1');
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const report = join(tempDir(), 'report.json');
      const client = await nonReader(server, `/stream-until-gone?report=${encodeURIComponent(report)}`);
      const result = await waitFor(
        () => existsSync(report) && (JSON.parse(readFileSync(report, 'utf8')) as { chunks: number; aborted: number }),
        'PHP to learn that the client is gone',
      );
      expect(result.chunks).toBeGreaterThan(0);
      expect(result.aborted).toBe(1); // connection_aborted()
      await server.waitFor(
        /dropped the connection of 127\.0\.0\.1:\d+: it took none of its response for \d+s \(send_timeout\)/,
      );
      expect((await getJson<{ pid: number }>(`${server.url}/pid`)).pid).toBe(pid);
      client.close();
    } finally {
      await server.stop();
    }
  });

  it('does not keep a replaced worker alive past drain_timeout', async () => {
    const server = await start('--send-timeout', '600', '--drain-timeout', '2');
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const client = await nonReader(
        server,
        `/stream-until-gone?report=${encodeURIComponent(join(tempDir(), 'never'))}`,
      );
      await waitFor(async () => (await serverStatus(server)).workers[0]!.inFlight === 1, 'the stream to be under way');
      await reloadAway(server, pid);
      await server.waitFor(new RegExp(`worker ${pid} was still draining after 2s \\(drain_timeout\\)`));
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
      client.close();
    } finally {
      await server.stop();
    }
  });

  it('of a large complete response costs the worker no memory: past response_memory_size the body waits on disk', async () => {
    const server = await start('--send-timeout', '600');
    const clients: RawConnection[] = [];
    try {
      await getJson(`${server.url}/pid`);
      const before = (await serverStatus(server)).workers[0]!.rssBytes;
      for (let i = 0; i < 16; i++) clients.push(await nonReader(server, '/big?mb=50'));
      await waitFor(
        async () => (await getJson<{ big: number }>(`${server.url}/pid`)).big === 16,
        'PHP to answer all 16',
      );
      const after = (await serverStatus(server)).workers[0]!.rssBytes;
      expect(after - before).toBeLessThan(200 * 1024 * 1024); // 16 × 50 MB unread
      // A client that does read gets every byte, whether PHP wrote the start (the rest from disk) or Node all of it.
      for (const via of ['php', 'node']) {
        const body = Buffer.from(await (await fetch(`${server.url}/big?mb=8&via=${via}`)).arrayBuffer());
        expect(body.equals(alphabetBytes(8 * 1024 * 1024)), `via ${via}`).toBe(true);
      }
    } finally {
      for (const client of clients) client.close();
      await server.stop();
    }
  });
});

describe('a client that sends its request slowly', () => {
  it('gets 408 when its body stops for body_timeout; PHP never sees the request', async () => {
    const server = await start('--body-timeout', '1');
    try {
      const client = await RawConnection.open(server.port);
      client.send('POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\nabc');
      const answer = await client.read({ timeoutMs: 15_000 });
      expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
      expect(answer.body.toString()).toBe('408 Request Timeout: nothing of the request body arrived for 1s.\n');
      await client.closedByServer();
      expect(await getJson<{ served: number }>(`${server.url}/pid`)).toMatchObject({ served: 1 });
    } finally {
      await server.stop();
    }
  });

  it('gets 408 when its body trickles in past request_read_timeout, or its headers past header_timeout', async () => {
    const server = await start('--body-timeout', '2', '--header-timeout', '1', '--request-read-timeout', '2');
    try {
      const trickle = await RawConnection.open(server.port);
      trickle.send('POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n');
      const drip = setInterval(() => trickle.send('x'), 300);
      const headers = await RawConnection.open(server.port);
      headers.send('GET /pid HTTP/1.1\r\nHost: test\r\n');
      try {
        for (const client of [trickle, headers]) {
          expect((await client.read({ timeoutMs: 15_000 })).statusLine).toBe('HTTP/1.1 408 Request Timeout');
          await client.closedByServer();
        }
      } finally {
        clearInterval(drip);
      }
      await server.waitFor(/408 POST +\/body/);
    } finally {
      await server.stop();
    }
  });

  it('does not keep a replaced worker alive past drain_timeout', async () => {
    const server = await start('--body-timeout', '600', '--request-read-timeout', '0', '--drain-timeout', '2');
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const client = await RawConnection.open(server.port);
      client.send('POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\nabc');
      await reloadAway(server, pid);
      await client.closedByServer();
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

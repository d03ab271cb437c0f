import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, getJson, startServer } from '../helpers/ephpm-server.js';

describe('streaming, limits and worker recycling', () => {
  it('streams: the first chunk reaches the client while PHP is still producing the rest', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const release = join(mkdtempSync(join(tmpdir(), 'ephpm-stream-')), 'release');
      const response = await fetch(`${server.url}/stream?release=${encodeURIComponent(release)}`);
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toBe('first\n');
      // PHP waits for this file before it writes the second part: had the
      // response been buffered, the first chunk could not have arrived yet.
      writeFileSync(release, '');
      let rest = '';
      for (let part = await reader.read(); !part.done; part = await reader.read())
        rest += new TextDecoder().decode(part.value);
      expect(rest).toBe('second:released-by-client\n');
    } finally {
      await server.stop();
    }
  });

  it('streams a 32 MB response with bounded buffering and delivers every byte', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const response = await fetch(`${server.url}/stream-large?chunks=128`);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(128 * 256 * 1024);
      expect(body[0]).toBe(65);
      expect(body[body.length - 1]).toBe(65 + (127 % 26));
    } finally {
      await server.stop();
    }
  });

  it('rejects a body over --max-body-size with 413, announced or chunked, and keeps serving', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--max-body-size', '1M']);
    try {
      const announced = await fetch(`${server.url}/request`, { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) });
      expect(announced.status).toBe(413);
      expect(await announced.text()).toMatch(/larger than the server's limit of 1048576 bytes/);

      const chunked = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          `${server.url}/request`,
          { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } },
          (response) => {
            response.resume();
            resolve(response.statusCode!);
          },
        );
        request.on('error', reject);
        for (let i = 0; i < 40; i++) request.write(Buffer.alloc(64 * 1024));
        request.end();
      });
      expect(chunked).toBe(413);
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('answers 503 with Retry-After once a worker queue is full, instead of queueing without bound', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--queue-size', '2']);
    try {
      const responses = await Promise.all(Array.from({ length: 8 }, () => fetch(`${server.url}/sleep?ms=300`)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
      const rejected = responses.filter((r) => r.status === 503);
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.every((r) => r.headers.get('retry-after') === '1')).toBe(true);
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('boots the worker script once per process across 1,000 requests', async () => {
    const bootLog = join(mkdtempSync(join(tmpdir(), 'ephpm-boots-')), 'boots.log');
    const server = await startServer(['--worker', appWorker, '--workers', '2'], { env: { BOOT_LOG: bootLog } });
    try {
      const seen = new Map<number, number>();
      for (let batch = 0; batch < 50; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => getJson<{ pid: number; served: number }>(`${server.url}/pid`)),
        );
        for (const { pid, served } of answers) seen.set(pid, Math.max(seen.get(pid) ?? 0, served));
      }
      const boots = readFileSync(bootLog, 'utf8').trim().split('\n').map(Number);
      expect(boots.sort()).toEqual([...seen.keys()].sort());
      expect(new Set(boots).size).toBe(boots.length); // exactly one boot per process
      expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    } finally {
      await server.stop();
    }
  });

  it('replaces a worker after --max-requests without failing a request', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--max-requests', '25']);
    try {
      const pids = new Set<number>();
      const statuses = new Set<number>();
      // Keep traffic flowing until the worker was replaced twice (bounded).
      for (let i = 0; i < 2000 && pids.size < 3; i++) {
        const answers = await Promise.all(
          Array.from({ length: 5 }, () =>
            fetch(`${server.url}/pid`).then(async (r) => ({
              status: r.status,
              body: r.ok ? ((await r.json()) as { pid: number }) : null,
            })),
          ),
        );
        for (const { status, body } of answers) {
          statuses.add(status);
          if (body) pids.add(body.pid);
        }
      }
      expect([...statuses]).toEqual([200]);
      expect(pids.size).toBeGreaterThanOrEqual(3);
    } finally {
      await server.stop();
    }
  });
});

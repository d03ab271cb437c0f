import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { answeredWithin, filesUnder, slowClient, type SlowClient } from '../helpers/slow-client.js';
import { waitFor } from '../helpers/wait-for.js';

// A client that reads a large streamed response slowly, or not at all, must not hold a worker's PHP: past what the
// worker keeps in memory, the rest of the stream waits in a temp file and PHP moves on, as nginx frees a php-fpm child.

const worker = fixture('workers', 'slow-readers.php');
const CHUNKS = 200; // /stream: 200 × 256 KiB = 50 MiB
const CHUNK_BYTES = 256 * 1024;
const MiB = 1024 * 1024;

/** The hash of /stream?chunks=n, built as test/fixtures/workers/slow-readers.php builds it. */
function streamHash(chunks: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < chunks; i++) hash.update(`${String(i).padStart(7, '0')},`.repeat(32 * 1024));
  return hash.digest('hex');
}
const WHOLE_STREAM = { bytes: CHUNKS * CHUNK_BYTES, sha256: streamHash(CHUNKS) };

/**
 * A server of the fixture worker whose temp dirs live in `temp` (TMPDIR), so the test sees every spilled file; no
 * client is dropped for reading nothing while a test runs, and a stop does not wait long for one that hangs.
 */
function start(temp: string, ...args: string[]): Promise<RunningServer> {
  return startServer(['--worker', worker, '--send-timeout', '600', '--drain-timeout', '5', ...args], {
    env: { TMPDIR: temp },
  });
}

describe('clients that read a large streamed response slowly, or not at all', () => {
  it('leave both workers serving: each stream waits in a temp file, every byte reaches its client once it reads, and the files go', async () => {
    const temp = tempDir('ephpm-slow-readers-');
    const server = await start(temp, '--workers', '2');
    const slow: SlowClient[] = [];
    try {
      for (let i = 0; i < 2; i++) slow.push(await slowClient(server.url, `/stream?chunks=${CHUNKS}`));
      expect(
        new Set(slow.map((client) => client.headers['x-pid'])).size,
        'one client that reads nothing on each worker',
      ).toBe(2);

      const answers = await Promise.all(Array.from({ length: 6 }, () => answeredWithin(server.url, '/pid', 20_000)));
      expect(answers.filter(Boolean).length, 'requests answered while two clients read nothing').toBe(6);
      await waitFor(() => filesUnder(temp).length === 2, 'a temp file holding each unread stream');

      for (const client of slow) expect(await client.readAll()).toEqual(WHOLE_STREAM);
      await waitFor(() => filesUnder(temp).length === 0, 'the temp files to be removed once sent');
    } finally {
      for (const client of slow) client.close();
      await server.stop();
    }
  });

  it('do not add up to hold a worker: eight on one worker, one after another, and it still answers', async () => {
    const temp = tempDir('ephpm-slow-readers-');
    const server = await start(temp, '--workers', '1');
    const slow: SlowClient[] = [];
    try {
      for (let i = 0; i < 8; i++) slow.push(await slowClient(server.url, '/stream?chunks=32'));
      expect(
        await answeredWithin(server.url, '/pid', 20_000),
        'a request answered after eight clients that read nothing',
      ).toBe(true);
      for (const client of slow)
        expect(await client.readAll()).toEqual({ bytes: 32 * CHUNK_BYTES, sha256: streamHash(32) });
      await waitFor(() => filesUnder(temp).length === 0, 'the temp files to be removed once sent');
    } finally {
      for (const client of slow) client.close();
      await server.stop();
    }
  });

  it('leave live streams live: an event stream reaches a reading client event by event on a worker whose other client reads nothing', async () => {
    const temp = tempDir('ephpm-slow-readers-');
    const server = await start(temp, '--workers', '1');
    const slow = await slowClient(server.url, `/stream?chunks=${CHUNKS}`);
    try {
      const release = join(tempDir(), 'release');
      const events = await fetch(`${server.url}/events?release=${encodeURIComponent(release)}`, {
        signal: AbortSignal.timeout(20_000),
      });
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      const reader = events.body!.getReader();
      // PHP produces the second event only once this file exists: the first can only be here if it was sent alone.
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
      writeFileSync(release, '');
      let rest = '';
      for (let part = await reader.read(); !part.done; part = await reader.read())
        rest += new TextDecoder().decode(part.value);
      expect(rest).toBe('data: second\n\n');

      expect(await slow.readAll()).toEqual(WHOLE_STREAM);
      await waitFor(() => filesUnder(temp).length === 0, 'the temp file to be removed once sent');
    } finally {
      slow.close();
      await server.stop();
    }
  });

  it('that leave, or are dropped after send_timeout, take their temp files with them', async () => {
    const temp = tempDir('ephpm-slow-readers-');
    const server = await startServer(
      ['--worker', worker, '--workers', '1', '--send-timeout', '1', '--drain-timeout', '5'],
      { env: { TMPDIR: temp } },
    );
    try {
      const leaving = await slowClient(server.url, `/stream?chunks=${CHUNKS}`);
      await waitFor(
        () => filesUnder(temp).length === 1,
        'the stream of the client that will leave to wait in a temp file',
      );
      leaving.close();
      await waitFor(() => filesUnder(temp).length === 0, 'its temp file to be removed once it left');

      const dropped = await slowClient(server.url, `/stream?chunks=${CHUNKS}`);
      await server.waitFor(
        /dropped the connection of 127\.0\.0\.1:\d+: it took none of its response for \d+s \(send_timeout\)/,
      );
      await waitFor(() => filesUnder(temp).length === 0, 'its temp file to be removed once it was dropped');
      await expect(dropped.readAll()).rejects.toThrow(/the connection ended after \d+ bytes of the body/);
    } finally {
      await server.stop();
    }
  });

  it.each(['response_spill_size', 'worker_spill_size'])(
    'past %s, PHP waits for the client as it did without spilling: the temp file stays within it, and every byte still arrives',
    async (setting) => {
      const temp = tempDir('ephpm-slow-readers-');
      const config = join(tempDir(), 'ephpm.toml');
      writeFileSync(config, `[server]\n${setting} = "8M"\n`);
      const server = await start(temp, '--workers', '1', '--config', config);
      const progress = join(tempDir(), 'progress');
      const slow = await slowClient(server.url, `/stream?chunks=${CHUNKS}&progress=${encodeURIComponent(progress)}`);
      try {
        // PHP hands over chunks until it has to wait: settled once the count has not moved for a second (bounded).
        let largestFile = 0;
        let last = -1;
        let unchangedSince = Date.now();
        await waitFor(() => {
          for (const file of filesUnder(temp)) largestFile = Math.max(largestFile, statSync(join(temp, file)).size);
          const handed = existsSync(progress) ? Number(readFileSync(progress, 'utf8')) : 0;
          if (handed !== last) unchangedSince = Date.now();
          last = handed;
          return Date.now() - unchangedSince >= 1000;
        }, 'PHP to stop handing over chunks');
        expect(last, 'chunks PHP handed over before it waited').toBeLessThan(CHUNKS);
        expect(largestFile, 'the largest temp file').toBeGreaterThan(0);
        expect(largestFile, 'the largest temp file').toBeLessThanOrEqual(8 * MiB);

        expect(await slow.readAll()).toEqual(WHOLE_STREAM);
        await waitFor(() => filesUnder(temp).length === 0, 'the temp file to be removed once sent');
      } finally {
        slow.close();
        await server.stop();
      }
    },
  );
});

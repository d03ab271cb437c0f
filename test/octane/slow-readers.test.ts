import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli, tempDir } from '../helpers/ephpm-server.js';
import { chunks } from '../helpers/http-client.js';
import { BIG_FILE_BYTES, bigFileContent, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { startOctane, type OctaneServer } from '../helpers/octane-server.js';
import { answeredWithin, filesUnder, slowClient, type SlowClient } from '../helpers/slow-client.js';
import { waitFor } from '../helpers/wait-for.js';

// A stock Laravel app with two workers and two clients that request response()->download() of a 50 MB file and read
// none of it: before, each worker's PHP waited in send_chunk() for its client (for send_timeout, 60 s) and nothing
// else was answered. The rest of each download now waits in a temp file and the workers serve on. (With file_offload
// on, the default, Node sends a download from the file itself: test/octane/file-offload.test.ts. Off here, so the
// downloads are streams PHP produces.)

const skip = octaneUnavailableReason();

/** The files in the workers' temp dirs under `temp` (TMPDIR): PHP's own temp files, if any, are not the runtime's. */
const workerTempFiles = (temp: string) => filesUnder(temp).filter((path) => path.startsWith('ephpm-'));

const openConnections = async (server: OctaneServer) => {
  const { stdout } = await runCli(['status', '--json', '--root', server.app]);
  return (JSON.parse(stdout) as ServerStatus).workers.map((worker) => worker.connections);
};

describe.skipIf(skip)(
  `${onLaravel('clients that read none of a large download')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    it('leave both workers serving, live streams included; each gets every byte of its download once it reads, and the temp files go', async () => {
      const app = laravelApp();
      const temp = tempDir('ephpm-octane-slow-readers-');
      const server = await startOctane(app, ['--workers=2', '--task-workers=0', '--max-requests=0'], {
        TMPDIR: temp,
        EPHPM_FILE_OFFLOAD: 'false',
      });
      const slow: SlowClient[] = [];
      const release = join(app, 'storage', `release-slow-readers-${process.pid}-${Date.now()}`);
      try {
        for (let i = 0; i < 2; i++) slow.push(await slowClient(server.url, '/download/big'));
        expect(slow.map((client) => client.headers['content-length'])).toEqual([
          String(BIG_FILE_BYTES),
          String(BIG_FILE_BYTES),
        ]);
        expect(await openConnections(server), 'one client that reads nothing on each worker').toEqual([1, 1]);

        const answers = await Promise.all(Array.from({ length: 6 }, () => answeredWithin(server.url, '/pid', 20_000)));
        expect(answers.filter(Boolean).length, 'requests answered while two clients read nothing').toBe(6);

        // A stream the app produces over time still reaches a reading client as it is produced.
        const markers = await fetch(`${server.url}/stream/markers/${release.split('release-')[1]}`, {
          signal: AbortSignal.timeout(30_000),
        });
        const received: string[] = [];
        for await (const chunk of chunks(markers)) {
          received.push(chunk.toString());
          // The app holds "last" back until this file exists: "first" can only be here if it was sent on its own.
          if (received.join('') === 'first\n') writeFileSync(release, '');
        }
        expect(received.join('')).toBe('first\nlast\n');
        expect(received[0]).toBe('first\n');

        const expected = { bytes: BIG_FILE_BYTES, sha256: createHash('sha256').update(bigFileContent()).digest('hex') };
        for (const client of slow) expect(await client.readAll()).toEqual(expected);
        await waitFor(() => workerTempFiles(temp).length === 0, 'the temp files to be removed once sent');
      } finally {
        rmSync(release, { force: true });
        for (const client of slow) client.close();
        expect(await server.stop('SIGINT')).toBe(0);
      }
    }, 120_000);
  },
);

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { tempDir } from '../helpers/ephpm-server.js';
import { plainRequest } from '../helpers/http-client.js';
import { BIG_FILE_BYTES, bigFileContent, onLaravel } from '../helpers/laravel-app.js';
import { octaneForTests, type SuiteServer } from '../helpers/octane-server.js';
import { answeredWithin, filesUnder, slowClient } from '../helpers/slow-client.js';

// response()->download() and ->file() are sent by Node from the file, with the status and headers Laravel prepared
// (Range, ETag, Content-Disposition), while the one worker's PHP serves on; an app's X-Sendfile is served from inside
// offload_dirs only. With file_offload off PHP streams them, as before: the reference the offloaded responses match.

const skip = octaneUnavailableReason();
const NAME = 'report.bin';
/** 3 MB and a bit, the same in every run (the file is written once: its Last-Modified must not change between servers). */
const CONTENT = Buffer.concat(
  Array.from({ length: 3 * 1024 + 1 }, (_, n) => Buffer.from(`${String(n).padStart(1023, '.')}\n`)),
).subarray(0, 3 * 1024 * 1024 + 123);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const SHOWN = ['content-type', 'content-length', 'content-disposition', 'content-range', 'etag', 'last-modified'];

/** What a client sees of a response: status, the headers that describe the body, and the body's hash. */
async function seen(url: string, headers: Record<string, string> = {}) {
  const response = await plainRequest(url, headers);
  return {
    status: response.status,
    headers: Object.fromEntries(SHOWN.map((name) => [name, response.headers[name] ?? null])),
    sha256: sha256(response.body),
  };
}

/** Downloads as Laravel prepares them: whole, a range, a range past the end, with an ETag, and that ETag sent back. */
async function downloads(url: string) {
  const etag = (await plainRequest(`${url}/download/etag/${NAME}`)).headers.etag!;
  return {
    whole: await seen(`${url}/download/named/${NAME}`),
    range: await seen(`${url}/download/named/${NAME}`, { Range: 'bytes=1000-1999' }),
    suffix: await seen(`${url}/download/named/${NAME}`, { Range: 'bytes=-100' }),
    unsatisfiable: await seen(`${url}/download/named/${NAME}`, { Range: `bytes=${CONTENT.length + 10}-` }),
    etag: await seen(`${url}/download/etag/${NAME}`),
    notModified: await seen(`${url}/download/etag/${NAME}`, { 'If-None-Match': etag }),
  };
}

const putFile = (app: string, name: string) => {
  const path = join(app, 'storage', 'app', 'offload', name);
  mkdirSync(join(path, '..'), { recursive: true });
  if (!existsSync(path) || !readFileSync(path).equals(CONTENT)) writeFileSync(path, CONTENT);
};

let sentByPhp: Awaited<ReturnType<typeof downloads>> | null = null;

describe.skipIf(skip)(`${onLaravel('downloads with file_offload off')}${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  const suite: SuiteServer = octaneForTests(
    ['--workers=1', '--task-workers=0', '--max-requests=0'],
    { EPHPM_FILE_OFFLOAD: 'false' },
    (app) => putFile(app, NAME),
  );

  it('are streamed by PHP, and an X-Sendfile header goes to the client with the body PHP made', async () => {
    sentByPhp = await downloads(suite.url);
    expect(sentByPhp.whole).toMatchObject({ status: 200, sha256: sha256(CONTENT) });
    expect(sentByPhp.range.status).toBe(206);
    expect(sentByPhp.notModified.status).toBe(304);
    const sendfile = await plainRequest(`${suite.url}/sendfile?path=storage/app/offload/${NAME}`);
    expect(sendfile.body.toString()).toBe('the body PHP made');
    expect(sendfile.headers['x-sendfile']).toBe(`storage/app/offload/${NAME}`);
  });
});

describe.skipIf(skip)(`${onLaravel('downloads with file_offload on')}${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  const temp = tempDir('ephpm-octane-offload-');
  const suite: SuiteServer = octaneForTests(
    ['--workers=1', '--task-workers=0', '--max-requests=0'],
    { TMPDIR: temp },
    (app) => putFile(app, NAME),
  );

  it('are sent from the file while the one worker serves on, exactly as PHP sends them, deleted after when asked', async () => {
    const download = await slowClient(suite.url, '/download/big');
    try {
      expect(download.headers['content-length']).toBe(String(BIG_FILE_BYTES));
      expect(download.headers['content-disposition']).toMatch(/attachment; filename=big\.bin/);
      // Its client has read nothing, so the download is still in progress; PHP answers the next request anyway.
      expect(await answeredWithin(suite.url, '/pid', 20_000), 'a request answered during the download').toBe(true);
      expect(
        filesUnder(temp).filter((path) => path.startsWith('ephpm-')),
        'nothing of the download waits in a temp file: it comes from the file itself',
      ).toEqual([]);

      // Status, Content-Disposition, Range, ETag and If-None-Match as Laravel prepared them, as with offload off.
      expect(sentByPhp, 'the responses PHP sent with file_offload off').not.toBeNull();
      expect(await downloads(suite.url)).toEqual(sentByPhp);

      const name = `delete-${process.pid}.bin`;
      putFile(suite.app, name);
      const deleted = await plainRequest(`${suite.url}/download/delete/${name}`);
      expect([deleted.status, sha256(deleted.body)]).toEqual([200, sha256(CONTENT)]);
      expect(existsSync(join(suite.app, 'storage', 'app', 'offload', name)), 'deleteFileAfterSend').toBe(false);

      expect(await download.readAll()).toEqual({ bytes: BIG_FILE_BYTES, sha256: sha256(bigFileContent()) });
    } finally {
      download.close();
    }
  });

  it("serve an app's X-Sendfile inside storage/app, and refuse and log one outside it", async () => {
    const inside = await plainRequest(`${suite.url}/sendfile?path=storage/app/offload/${NAME}`);
    expect([inside.status, sha256(inside.body)]).toEqual([200, sha256(CONTENT)]);
    expect(inside.headers['content-type']).toBe('application/octet-stream');
    expect(inside.headers['x-sendfile']).toBeUndefined();

    const composerJson = join(suite.app, 'composer.json');
    const outside = await plainRequest(`${suite.url}/sendfile?path=${encodeURIComponent(composerJson)}`);
    expect(outside.status).toBe(403);
    expect(outside.body.toString()).not.toContain('laravel');
    await suite.server.waitFor(/refused x-sendfile: .*composer\.json is outside offload_dirs/i);
  });
});

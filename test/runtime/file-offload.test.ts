import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { plainRequest } from '../helpers/http-client.js';
import { slowClient } from '../helpers/slow-client.js';

// A response whose X-Sendfile / X-Accel-Redirect names a file inside offload_dirs is answered by Node from that file
// (Range, ETag and Last-Modified Node's, Content-Type and Content-Disposition the app's); anything else it names is
// refused and logged, never served. An X-Ephpm-File header not set by the driver is never honoured nor sent on.

const worker = fixture('workers', 'file-offload.php');
const SECRET = 'the secret outside offload_dirs\n';

/** An app root: files/ (the offload dir) with report.bin and a symlink leading out, and secret.txt beside it. */
function appRoot(): { root: string; report: Buffer } {
  const root = tempDir('ephpm-file-offload-');
  mkdirSync(join(root, 'files'));
  const report = randomBytes(256 * 1024);
  writeFileSync(join(root, 'files', 'report.bin'), report);
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(root, 'files', 'escape.bin'));
  return { root, report };
}

const named = (header: string, value: string) =>
  `/named?header=${encodeURIComponent(header)}&value=${encodeURIComponent(value)}`;

async function get(server: RunningServer, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('X-Sendfile and X-Accel-Redirect with file_offload on (the default)', () => {
  let server: RunningServer;
  let root: string;
  let report: Buffer;
  beforeAll(async () => {
    ({ root, report } = appRoot());
    server = await startServer([
      '--root',
      root,
      '--worker',
      worker,
      '--workers',
      '1',
      '--offload-dirs',
      'files',
      '--access-log-format',
      'json',
    ]);
  });
  afterAll(() => server?.stop());

  it('sends the file named inside offload_dirs in place of the body, with the app’s Content-Type and Content-Disposition', async () => {
    for (const [header, value] of [
      ['X-Sendfile', 'files/report.bin'],
      ['X-Sendfile', join(root, 'files', 'report.bin')],
      ['X-Accel-Redirect', '/files/report.bin?v=2'],
    ] as const) {
      const { response, body } = await get(server, named(header, value));
      expect(response.status, `${header}: ${value}`).toBe(200);
      expect(sha(body), `${header}: ${value}`).toBe(sha(report));
      expect(response.headers.get('content-length')).toBe(String(report.length));
      expect(response.headers.get('content-type')).toBe('application/x-test');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="report.bin"');
      expect(response.headers.get('set-cookie')).toBe('seen=1');
      expect(response.headers.get(header), 'the header never reaches the client').toBeNull();
      expect(response.headers.get('etag')).toMatch(/^W\/"/);
    }
  });

  it('answers Range, If-None-Match and HEAD from the file', async () => {
    const path = named('X-Sendfile', 'files/report.bin');
    const ranged = await get(server, path, { headers: { Range: 'bytes=1000-1999', 'X-Request-Id': 'ranged-1' } });
    expect(ranged.response.status).toBe(206);
    await server.waitFor(/"statusCode":206,"duration":[\d.]+,"bytes":1000,.*"requestId":"ranged-1"/);
    expect(ranged.response.headers.get('content-range')).toBe(`bytes 1000-1999/${report.length}`);
    expect(ranged.body.equals(report.subarray(1000, 2000))).toBe(true);

    const etag = ranged.response.headers.get('etag')!;
    const cached = await plainRequest(`${server.url}${path}`, { 'If-None-Match': etag });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);

    const head = await get(server, path, { method: 'HEAD' });
    expect(head.response.status).toBe(200);
    expect(head.response.headers.get('content-length')).toBe(String(report.length));
    expect(head.body.length).toBe(0);
  });

  it('refuses and logs a file outside offload_dirs (../, a symlink leading out) or missing, and never sends it', async () => {
    for (const [header, value, status] of [
      ['X-Sendfile', 'files/../secret.txt', 403],
      ['X-Sendfile', join(root, 'secret.txt'), 403],
      ['X-Sendfile', 'files/escape.bin', 403],
      ['X-Accel-Redirect', '/files/%2e%2e/secret.txt', 403],
      ['X-Sendfile', 'files/missing.bin', 404],
    ] as const) {
      const { response, body } = await get(server, named(header, value));
      expect(response.status, `${header}: ${value}`).toBe(status);
      expect(body.toString(), `${header}: ${value}`).not.toContain('secret');
      expect(body.toString(), `${header}: ${value}`).not.toContain('the body PHP made');
      expect(response.headers.get(header)).toBeNull();
    }
    await server.waitFor(/refused x-sendfile: files\/escape\.bin .*secret\.txt is outside offload_dirs/i);
    await server.waitFor(/refused x-accel-redirect: \/files\/%2e%2e\/secret\.txt .*is outside offload_dirs/i);
    await server.waitFor(/refused x-sendfile: files\/missing\.bin .*missing\.bin is not a file/i);
  });

  it('never honours nor sends on an X-Ephpm-File header without the token the runtime gave its PHP', async () => {
    const { response, body } = await get(server, `/forged?path=${encodeURIComponent(join(root, 'secret.txt'))}`);
    expect(response.status).toBe(200);
    expect(body.toString()).toBe('the body PHP made');
    expect(response.headers.get('x-ephpm-file')).toBeNull();
    await server.waitFor(/ignored an x-ephpm-file header without this process's token/);
  });
});

describe('a client that reads none of an offloaded file', () => {
  it('is dropped after send_timeout, as for any response', async () => {
    const { root } = appRoot();
    writeFileSync(join(root, 'files', 'big.bin'), Buffer.alloc(32 * 1024 * 1024, 'x'));
    const server = await startServer([
      '--root',
      root,
      '--worker',
      worker,
      '--offload-dirs',
      'files',
      '--send-timeout',
      '1',
    ]);
    try {
      const client = await slowClient(server.url, named('X-Sendfile', 'files/big.bin'));
      expect(client.headers['content-length']).toBe(String(32 * 1024 * 1024));
      await server.waitFor(/dropped the connection of .* it took none of its response for \d+s \(send_timeout\)/);
      await expect(client.readAll()).rejects.toThrow(/the connection ended after/);
    } finally {
      await server.stop();
    }
  });
});

describe('X-Sendfile with file_offload off', () => {
  it('leaves the response as PHP made it, the header sent on, and gives PHP no token', async () => {
    const { root } = appRoot();
    const server = await startServer(['--root', root, '--worker', worker, '--workers', '1', '--no-file-offload']);
    try {
      const { response, body } = await get(server, named('X-Sendfile', 'files/report.bin'));
      expect(response.status).toBe(200);
      expect(body.toString()).toBe('the body PHP made');
      expect(response.headers.get('x-sendfile')).toBe('files/report.bin');
      expect(JSON.parse((await get(server, '/token')).body.toString())).toEqual({ token: false });
    } finally {
      await server.stop();
    }
  });
});

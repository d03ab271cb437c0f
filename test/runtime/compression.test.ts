import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  brotliCompressSync,
  brotliDecompressSync,
  createBrotliDecompress,
  createGunzip,
  gunzipSync,
  gzipSync,
} from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';

const LINE = 'The quick brown fox jumps over the lazy dog. 0123456789\n';
/** What the fixture's text($bytes) makes. */
const text = (bytes: number) => LINE.repeat(Math.ceil(bytes / LINE.length) + 1).slice(0, bytes);
const SCRIPT = `${LINE.trim()} console.log("app");\n`.repeat(100);
const STYLE = 'body { color: #123456; margin: 0 auto; }\n'.repeat(100);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire (still encoded). */
  raw: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (data: Buffer) => parts.push(data));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(answer: Answer): string {
  const coding = answer.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(answer.raw).toString('latin1');
  if (coding === 'gzip') return gunzipSync(answer.raw).toString('latin1');
  expect(coding).toBeUndefined();
  return answer.raw.toString('latin1');
}

function makeApp(toml = ''): string {
  const app = tempDir('ephpm-compression-');
  mkdirSync(join(app, 'public', 'build', 'assets'), { recursive: true });
  writeFileSync(join(app, 'public', 'app.js'), SCRIPT);
  // Siblings a build step wrote: their content differs from app.js's so that the test can tell which was sent.
  writeFileSync(join(app, 'public', 'app.js.br'), brotliCompressSync('from app.js.br'));
  writeFileSync(join(app, 'public', 'app.js.gz'), gzipSync('from app.js.gz'));
  writeFileSync(join(app, 'public', 'style.css'), STYLE);
  writeFileSync(join(app, 'public', 'photo.png'), Buffer.alloc(8000, 7));
  writeFileSync(join(app, 'public', 'build', 'assets', 'app-Bx12cd34.js'), SCRIPT);
  if (toml) writeFileSync(join(app, 'ephpm.toml'), toml);
  return app;
}

describe('response compression (on by default)', () => {
  let server: RunningServer;
  let waitDir: string;

  beforeAll(async () => {
    const app = makeApp();
    waitDir = tempDir('ephpm-compression-wait-');
    server = await startServer(['--root', app, '--worker', fixture('workers', 'compression.php'), '--workers', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const [accept, expected] of [
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, *', 'gzip'],
    ['x-gzip', 'gzip'],
    ['BR', 'br'],
  ] as const) {
    it(`answers Accept-Encoding "${accept}" with ${expected}, the compressed length and Vary`, async () => {
      const answer = await get(`${server.url}/text?size=20000`, { 'Accept-Encoding': accept });
      expect(answer.headers['content-encoding']).toBe(expected);
      expect(answer.headers.vary).toBe('Accept-Encoding');
      expect(Number(answer.headers['content-length'])).toBe(answer.raw.length);
      expect(answer.raw.length).toBeLessThan(2000);
      expect(decoded(answer)).toBe(text(20000));
    });
  }

  it('answers curl --compressed with a coding curl decodes, and plain curl with the body as it is', async () => {
    const curl = promisify(execFile);
    const url = `${server.url}/text?size=20000`;
    const compressed = await curl('curl', ['-s', '--compressed', '-D', '-', url], { encoding: 'latin1' });
    expect(compressed.stdout).toMatch(/\r\ncontent-encoding: (br|zstd|gzip)\r\n/i);
    expect(compressed.stdout.split('\r\n\r\n')[1]).toBe(text(20000));
    const raw = await curl('curl', ['-s', '--raw', '-H', 'Accept-Encoding: br', url], { encoding: 'buffer' });
    expect(brotliDecompressSync(raw.stdout).toString('latin1')).toBe(text(20000));
    const plain = await curl('curl', ['-s', '-D', '-', url], { encoding: 'latin1' });
    expect(plain.stdout).not.toMatch(/content-encoding/i);
    expect(plain.stdout).toMatch(/\r\ncontent-length: 20000\r\n/i);
    expect(plain.stdout.split('\r\n\r\n')[1]).toBe(text(20000));
  });

  for (const accept of [undefined, 'identity', 'br;q=0, gzip;q=0', '*;q=0', 'deflate']) {
    it(`sends the body as it is when the client accepts no coding the server has (${accept ?? 'no header'})`, async () => {
      const answer = await get(`${server.url}/text?size=20000`, accept ? { 'Accept-Encoding': accept } : {});
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.headers['content-length']).toBe('20000');
      expect(answer.raw.toString('latin1')).toBe(text(20000));
    });
  }

  it('compresses large bodies too: off the main thread, and spilled to a temp file', async () => {
    for (const size of [200_000, 3_000_000]) {
      const answer = await get(`${server.url}/text?size=${size}`, { 'Accept-Encoding': 'gzip' });
      expect(answer.headers['content-encoding']).toBe('gzip');
      expect(decoded(answer)).toBe(text(size));
    }
  });

  it('leaves bodies under the minimum size (1 KiB) as they are', async () => {
    const answer = await get(`${server.url}/text?size=1000`, { 'Accept-Encoding': 'br, gzip' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.raw.toString('latin1')).toBe(text(1000));
    const atMinimum = await get(`${server.url}/text?size=1024`, { 'Accept-Encoding': 'br, gzip' });
    expect(atMinimum.headers['content-encoding']).toBe('br');
  });

  it('never compresses types that are compressed already; does compress JSON and SVG', async () => {
    for (const type of ['image/png', 'application/zip', 'video/mp4', 'font/woff2', 'application/octet-stream']) {
      const answer = await get(`${server.url}/text?type=${encodeURIComponent(type)}`, { 'Accept-Encoding': 'br' });
      expect(answer.headers['content-encoding'], type).toBeUndefined();
      expect(answer.raw.toString('latin1')).toBe(text(20000));
    }
    for (const type of ['application/json', 'image/svg+xml', 'application/ld+json', 'text/css']) {
      const answer = await get(`${server.url}/text?type=${encodeURIComponent(type)}`, { 'Accept-Encoding': 'br' });
      expect(answer.headers['content-encoding'], type).toBe('br');
    }
  });

  it('passes a response PHP encoded itself as it is, and respects Cache-Control: no-transform', async () => {
    const encoded = await get(`${server.url}/encoded`, { 'Accept-Encoding': 'br, gzip' });
    expect(encoded.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(encoded.raw).toString('latin1')).toBe(text(20000));
    const noTransform = await get(`${server.url}/text?cache=${encodeURIComponent('public, no-transform')}`, {
      'Accept-Encoding': 'br',
    });
    expect(noTransform.headers['content-encoding']).toBeUndefined();
    expect(noTransform.raw.toString('latin1')).toBe(text(20000));
  });

  it("merges Accept-Encoding into the app's Vary and weakens its strong ETag", async () => {
    const answer = await get(`${server.url}/text?vary=Cookie&etag=v1`, { 'Accept-Encoding': 'gzip' });
    expect(answer.headers.vary).toBe('Cookie, Accept-Encoding');
    expect(answer.headers.etag).toBe('W/"v1"');
    const identity = await get(`${server.url}/text?vary=Cookie&etag=v1`);
    expect(identity.headers.etag).toBe('"v1"');
  });

  it('keeps every one of repeated headers (Set-Cookie) on the responses it compresses, and on HEAD', async () => {
    const compressed = await get(`${server.url}/text?cookies=1`, { 'Accept-Encoding': 'br' });
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(compressed.headers['set-cookie']).toEqual(['a=1; path=/', 'b=2; path=/', 'c=3; path=/']);
    const head = await get(`${server.url}/text?cookies=1`, {}, 'HEAD');
    expect(head.headers['set-cookie']).toEqual(['a=1; path=/', 'b=2; path=/', 'c=3; path=/']);
  });

  it('never compresses HEAD, Range requests, or errors without a body', async () => {
    const head = await get(`${server.url}/text?size=20000`, { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers['content-length']).toBe('20000');
    const range = await get(`${server.url}/text?size=20000`, { 'Accept-Encoding': 'br', Range: 'bytes=0-99' });
    expect(range.headers['content-encoding']).toBeUndefined();
    expect(range.raw.toString('latin1')).toBe(text(20000));
    const noContent = await get(`${server.url}/text?status=204`, { 'Accept-Encoding': 'br' });
    expect(noContent.headers['content-encoding']).toBeUndefined();
  });

  it('delivers each chunk of a stream compressed as PHP sends it, before PHP makes the next', async () => {
    const wait = join(waitDir, 'stream');
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const url = `${server.url}/stream?chunks=3&wait=${encodeURIComponent(wait)}`;
      const req = request(url, { headers: { 'Accept-Encoding': 'br' } }, (res) => {
        expect(res.headers['content-encoding']).toBe('br');
        expect(res.headers.vary).toBe('Accept-Encoding');
        expect(res.headers['content-length']).toBeUndefined();
        let text = '';
        const decoder = res.pipe(createBrotliDecompress());
        decoder.on('data', (data: Buffer) => {
          text += data.toString('latin1');
          // A whole event decoded: PHP waits for its file before it makes the next chunk.
          while (text.includes(' END\n\n')) {
            const end = text.indexOf(' END\n\n') + 6;
            received.push(text.slice(0, end));
            text = text.slice(end);
            writeFileSync(`${wait}.${received.length}`, '');
          }
        });
        decoder.on('end', resolve);
        decoder.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(received.map((event) => event.slice(0, 'data: chunk 0'.length))).toEqual([
      'data: chunk 0',
      'data: chunk 1',
      'data: chunk 2',
    ]);
    expect(received[0]).toBe(`data: chunk 0 ${text(200)} END\n\n`);
  });

  it('streams far more than PHP may have in flight (4 MiB) compressed, whole, in both codings', async () => {
    const size = 12 * 65536 * 16; // 12 MiB
    for (const coding of ['br', 'gzip']) {
      const answer = await get(`${server.url}/stream-large?size=${size}`, { 'Accept-Encoding': coding });
      expect(answer.headers['content-encoding']).toBe(coding);
      const body = decoded(answer);
      expect(body.length).toBe(size);
      expect(body).toBe(text(65536).repeat(size / 65536));
    }
  });

  it('lets PHP finish a compressed stream its client does not read yet, and serve others meanwhile', async () => {
    const size = 32 * 1024 * 1024; // ~16 MiB compressed: past response_memory_size and the socket's buffers
    const decoder = createGunzip();
    let decodedBytes = 0;
    let hexOnly = true;
    decoder.on('data', (data: Buffer) => {
      decodedBytes += data.length;
      hexOnly &&= /^[0-9a-f]*$/.test(data.toString('latin1'));
    });
    const done = new Promise<void>((resolve, reject) => {
      decoder.on('end', resolve);
      decoder.on('error', reject);
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request(`${server.url}/stream-random?size=${size}`, { headers: { 'Accept-Encoding': 'gzip' } }, resolve)
        .on('error', reject)
        .end();
    });
    expect(response.headers['content-encoding']).toBe('gzip');
    response.pause(); // reads nothing while the worker goes on
    const other = await get(`${server.url}/text?size=20000`, { 'Accept-Encoding': 'br' });
    expect(decoded(other)).toBe(text(20000));
    response.pipe(decoder);
    await done;
    expect(decodedBytes).toBe(size);
    expect(hexOnly).toBe(true);
  });

  it("sends a stream with the app's Content-Length (a download's size) as it is", async () => {
    const answer = await get(`${server.url}/stream-sized?size=5000`, { 'Accept-Encoding': 'br' });
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe('5000');
    expect(answer.raw.toString('latin1')).toBe(text(5000));
  });

  it("serves a static file's precompressed sibling the client accepts, with the file's type and its own ETag", async () => {
    const plain = await get(`${server.url}/app.js`);
    const br = await get(`${server.url}/app.js`, { 'Accept-Encoding': 'gzip, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe(plain.headers['content-type']);
    expect(br.headers['content-type']).toMatch(/^application\/javascript/);
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    expect(decoded(br)).toBe('from app.js.br');
    const gzip = await get(`${server.url}/app.js`, { 'Accept-Encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(decoded(gzip)).toBe('from app.js.gz');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.toString('latin1')).toBe(SCRIPT);
  });

  it('answers a Range request for a static file from the file itself', async () => {
    const range = await get(`${server.url}/app.js`, { 'Accept-Encoding': 'br, gzip', Range: 'bytes=0-9' });
    expect(range.status).toBe(206);
    expect(range.headers['content-encoding']).toBeUndefined();
    expect(range.raw.toString('latin1')).toBe(SCRIPT.slice(0, 10));
  });

  it('compresses other compressible static files as it sends them, never images', async () => {
    const css = await get(`${server.url}/style.css`, { 'Accept-Encoding': 'gzip' });
    expect(css.headers['content-encoding']).toBe('gzip');
    expect(css.headers.vary).toBe('Accept-Encoding');
    expect(decoded(css)).toBe(STYLE);
    const png = await get(`${server.url}/photo.png`, { 'Accept-Encoding': 'gzip, br' });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.raw.length).toBe(8000);
  });

  it("marks Vite's hashed build assets immutable for a year, and nothing else", async () => {
    const asset = await get(`${server.url}/build/assets/app-Bx12cd34.js`);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const other = await get(`${server.url}/app.js`);
    expect(other.headers['cache-control']).toBe('public, max-age=0');
  });
});

describe('compression = false', () => {
  let server: RunningServer;

  beforeAll(async () => {
    const app = makeApp('[server]\ncompression = false\n');
    server = await startServer(['--root', app, '--worker', fixture('workers', 'compression.php'), '--workers', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends every response as it is, whatever the client accepts', async () => {
    for (const path of ['/text?size=20000', '/app.js', '/style.css', '/stream?chunks=2']) {
      const answer = await get(`${server.url}${path}`, { 'Accept-Encoding': 'br, gzip' });
      expect(answer.headers['content-encoding'], path).toBeUndefined();
      expect(answer.headers.vary, path).toBeUndefined();
    }
    expect((await get(`${server.url}/style.css`, { 'Accept-Encoding': 'gzip' })).raw.toString()).toBe(STYLE);
  });
});

describe('compression_min_size', () => {
  it('is the size from which complete responses are compressed (EPHPM_COMPRESSION_MIN_SIZE)', async () => {
    const app = makeApp();
    const server = await startServer(
      ['--root', app, '--worker', fixture('workers', 'compression.php'), '--workers', '1'],
      { env: { EPHPM_COMPRESSION_MIN_SIZE: '30K' } },
    );
    try {
      const small = await get(`${server.url}/text?size=20000`, { 'Accept-Encoding': 'br' });
      expect(small.headers['content-encoding']).toBeUndefined();
      const large = await get(`${server.url}/text?size=40000`, { 'Accept-Encoding': 'br' });
      expect(large.headers['content-encoding']).toBe('br');
    } finally {
      await server.stop();
    }
  });
});

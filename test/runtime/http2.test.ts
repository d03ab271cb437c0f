import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { writeSelfSignedCertificate } from '../helpers/tls.js';

const run = promisify(execFile);

const WORKER = `<?php
use function Ephpm\\Octane\\{take_request, send_response, start_response, send_chunk, end_response};
while ($r = take_request()) {
    parse_str($r['query_string'], $q);
    switch ($r['path']) {
        case '/stream':
            start_response(200, ['Content-Type' => 'application/octet-stream']);
            for ($i = 0; $i < (int) $q['chunks']; $i++) {
                if (!send_chunk(str_repeat('x', 65536))) break;
            }
            end_response();
            break;
        case '/short':
            start_response(200, ['Content-Type' => 'text/plain', 'Content-Length' => '100']);
            send_chunk('abc');
            end_response();
            break;
        case '/slow':
            start_response(200, ['Content-Type' => 'text/plain']);
            send_chunk('started ');
            usleep(500_000);
            send_chunk('done');
            end_response();
            break;
        case '/headers':
            send_response(200, ['Connection' => 'keep-alive', 'Keep-Alive' => 'timeout=5', 'Upgrade' => 'h2c',
                'Transfer-Encoding' => 'chunked', 'X-Name' => "caf\\xe9"], 'kept');
            break;
        default:
            $body = $r['body'] ?? ($r['body_file'] !== null ? file_get_contents($r['body_file']) : '');
            $files = [];
            foreach ($r['files'] as $field => $file) {
                $files[$field] = ['name' => $file['name'], 'size' => $file['size'], 'md5' => md5_file($file['tmp_name'])];
            }
            send_response(200, ['Content-Type' => 'application/json'], json_encode([
                'protocol' => $r['server']['SERVER_PROTOCOL'],
                'host' => $r['server']['HTTP_HOST'] ?? null,
                'method' => $r['method'],
                'uri' => $r['uri'],
                'headers' => array_keys($r['headers']),
                'post' => $r['post'],
                'files' => $files,
                'body_size' => $r['body_size'],
                'body_md5' => md5($body),
            ]));
    }
}
`;

function makeApp(toml: string): string {
  const app = tempDir('ephpm-h2-');
  writeFileSync(join(app, 'worker.php'), WORKER);
  mkdirSync(join(app, 'public'));
  writeFileSync(join(app, 'public', 'hello.txt'), 'static hello');
  writeSelfSignedCertificate(app);
  writeFileSync(join(app, 'ephpm.toml'), `[server]\nworker = "worker.php"\nworkers = 1\n${toml}`);
  return app;
}

const TLS = '\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on an HTTP/2 session; resolves with the whole answer. */
function h2Request(
  session: ClientHttp2Session,
  path: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Buffer | string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': options.method ?? 'GET', ':path': path, ...options.headers });
    const chunks: Buffer[] = [];
    let headers: IncomingHttpHeaders = {};
    stream.on('response', (h) => (headers = h));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Once the stream is closed both ways: the server took (or refused) the whole request too.
    stream.on('close', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(options.body);
  });
}

function h2Connect(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { rejectUnauthorized: false });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

const json = (answer: Answer) => JSON.parse(answer.body.toString()) as Record<string, unknown>;

describe('HTTP/2 over TLS (ALPN h2, on by default)', () => {
  let server: RunningServer;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    server = await startServer(['--root', makeApp('send_timeout = 2\nbody_timeout = 2\nmax_body_size = "1M"\n' + TLS)]);
    session = await h2Connect(server.url);
  });
  afterAll(async () => {
    session?.close();
    await server?.stop();
  });

  it('speaks HTTP/2 to curl --http2, and PHP sees SERVER_PROTOCOL HTTP/2.0 with a Host from :authority', async () => {
    const { stdout } = await run('curl', ['-sk', '--http2', '-w', '\\n%{http_version}', `${server.url}/info?a=1`]);
    const [body, version] = stdout.split('\n');
    expect(version).toBe('2');
    const info = JSON.parse(body!) as Record<string, unknown>;
    expect(info).toMatchObject({ protocol: 'HTTP/2.0', method: 'GET', uri: '/info?a=1' });
    expect(info.host).toBe(new URL(server.url).host);
    expect((info.headers as string[]).some((name) => name.startsWith(':'))).toBe(false);
  });

  it('still speaks HTTP/1.1 on the same port to a client that asks for it', async () => {
    const { stdout } = await run('curl', ['-sk', '--http1.1', '-w', '\\n%{http_version}', `${server.url}/info`]);
    const [body, version] = stdout.split('\n');
    expect(version).toBe('1.1');
    expect(JSON.parse(body!)).toMatchObject({ protocol: 'HTTP/1.1' });
  });

  it('answers many concurrent streams on one session', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => h2Request(session, `/info?n=${i}`)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(answers.map((a) => json(a).uri)).toEqual(Array.from({ length: 50 }, (_, i) => `/info?n=${i}`));
  });

  it('gives PHP POST bodies, urlencoded forms and multipart uploads as over HTTP/1.1', async () => {
    const raw = Buffer.alloc(300_000, 7);
    const plain = json(await h2Request(session, '/info', { method: 'POST', body: raw }));
    expect(plain).toMatchObject({ method: 'POST', body_size: raw.length });
    const form = json(
      await h2Request(session, '/info', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1&b%5B%5D=x',
      }),
    );
    expect(form.post).toEqual({ a: '1', b: ['x'] });
    const boundary = 'ephpmboundary';
    const file = Buffer.alloc(200_000, 'f');
    const multipart = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n`),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = json(
      await h2Request(session, '/info', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: multipart,
      }),
    );
    expect(upload.post).toEqual({ title: 'hello' });
    expect(upload.files).toMatchObject({ upload: { name: 'f.bin', size: file.length } });
  });

  it('streams a response and static files, and keeps the bytes of latin1 header values while dropping connection headers', async () => {
    const stream = await h2Request(session, '/stream?chunks=40');
    expect(stream.status).toBe(200);
    expect(stream.body.length).toBe(40 * 65536);
    const file = await h2Request(session, '/hello.txt');
    expect([file.status, file.body.toString()]).toEqual([200, 'static hello']);
    const headers = await h2Request(session, '/headers');
    expect(headers.status).toBe(200);
    expect(headers.body.toString()).toBe('kept');
    expect(Buffer.from(headers.headers['x-name'] as string, 'latin1')).toEqual(Buffer.from('caf\xe9', 'latin1'));
    for (const name of ['connection', 'keep-alive', 'upgrade', 'transfer-encoding'])
      expect(headers.headers[name]).toBeUndefined();
  });

  it('answers 431 to request headers over 16 KiB, as over HTTP/1.1', async () => {
    const big = `X-Big: ${'a'.repeat(20_000)}`;
    for (const version of ['--http2', '--http1.1']) {
      const { stdout } = await run('curl', [
        '-sk',
        version,
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-H',
        big,
        `${server.url}/info`,
      ]);
      expect(stdout).toBe('431');
    }
    expect((await h2Request(session, '/info?after-431')).status).toBe(200);
  });

  it('tells the client a stream that ended short of its Content-Length is incomplete', async () => {
    await expect(h2Request(session, '/short')).rejects.toThrow();
    expect((await h2Request(session, '/info?after-short')).status).toBe(200);
  });

  it('refuses a body over max_body_size with 413 on that stream alone', async () => {
    const tooLarge = h2Request(session, '/info', { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) });
    const beside = h2Request(session, '/info?beside');
    expect((await tooLarge).status).toBe(413);
    expect((await beside).status).toBe(200);
    expect((await h2Request(session, '/info?after')).status).toBe(200);
  });

  it('answers 408 to a stream whose body stalls for body_timeout; other streams on its session go on', async () => {
    const stalled = session.request({ ':method': 'POST', ':path': '/info' });
    let status = 0;
    stalled.on('response', (headers) => (status = Number(headers[':status'])));
    stalled.resume();
    const closed = new Promise<void>((resolve) => stalled.once('close', resolve));
    stalled.on('error', () => {});
    stalled.write('part of a body, then nothing');
    // Beside it, a slow upload keeps bytes arriving on the connection until the stalled stream was answered.
    const trickle = session.request({ ':method': 'POST', ':path': '/info' });
    const trickled = new Promise<number>((resolve) =>
      trickle.on('response', (headers) => resolve(Number(headers[':status']))),
    );
    trickle.resume();
    const timer = setInterval(() => trickle.write('x'), 200);
    await closed;
    clearInterval(timer);
    trickle.end('end');
    expect(status).toBe(408);
    expect(await trickled).toBe(200);
    expect((await h2Request(session, '/info?after-408')).status).toBe(200);
  });

  it('resets a stream whose client reads nothing after send_timeout; other streams on its session go on', async () => {
    const stalled = session.request({ ':path': '/stream?chunks=400' });
    stalled.pause(); // the client takes nothing: HTTP/2 flow control stops this stream alone
    const reset = new Promise<number>((resolve) => stalled.once('close', () => resolve(stalled.rstCode)));
    stalled.on('error', () => {});
    stalled.end();
    // While it is stalled, and after it was reset, the same session serves other requests.
    expect((await h2Request(session, '/stream?chunks=20')).body.length).toBe(20 * 65536);
    expect(await reset).not.toBe(0);
    await server.waitFor(/took none of its response for \d+s \(send_timeout\)/);
    expect((await h2Request(session, '/info?later')).status).toBe(200);
  });
});

describe('HTTP/2 and request_read_timeout', () => {
  it('answers 408 to a stream whose body still trickles in after request_read_timeout; its session goes on', async () => {
    const server = await startServer([
      '--root',
      makeApp('header_timeout = 1\nrequest_read_timeout = 2\nbody_timeout = 30\n' + TLS),
    ]);
    const session = await h2Connect(server.url);
    try {
      const trickle = session.request({ ':method': 'POST', ':path': '/info' });
      let status = 0;
      let body = '';
      trickle.on('response', (headers) => (status = Number(headers[':status'])));
      trickle.on('data', (chunk: Buffer) => (body += chunk.toString()));
      trickle.on('error', () => {});
      const closed = new Promise<void>((resolve) => trickle.once('close', resolve));
      // A byte every 200 ms: body_timeout (30 s) never trips, the whole request takes too long.
      const timer = setInterval(() => trickle.write('x'), 200);
      await closed;
      clearInterval(timer);
      expect(status).toBe(408);
      expect(body).toContain('request_read_timeout');
      expect((await h2Request(session, '/info?after-408')).status).toBe(200);
    } finally {
      session.close();
      await server.stop();
    }
  });
});

describe('HTTP/2 and stopping', () => {
  it('says GOAWAY when the server stops, finishes the stream in flight, then exits 0', async () => {
    const server = await startServer(['--root', makeApp(TLS)]);
    const session = await h2Connect(server.url);
    const stream = session.request({ ':path': '/slow' });
    let body = '';
    const started = new Promise<void>((resolve) =>
      stream.on('data', (chunk: Buffer) => {
        body += chunk.toString();
        resolve();
      }),
    );
    const events: string[] = [];
    session.on('goaway', () => events.push('goaway'));
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    await started;
    const stopped = server.stop();
    await ended;
    events.push('end');
    // The session is told at once that it takes no new streams (GOAWAY), and its stream in flight still completes.
    expect(events).toEqual(['goaway', 'end']);
    expect(body).toBe('started done');
    expect(await stopped).toBe(0);
    session.destroy();
  });
});

describe('HTTP/2 switches', () => {
  it('http2 = false: TLS speaks HTTP/1.1 only', async () => {
    const server = await startServer(['--root', makeApp(`http2 = false\n${TLS}`)]);
    try {
      const { stdout } = await run('curl', ['-sk', '--http2', '-w', '\\n%{http_version}', `${server.url}/info`]);
      const [body, version] = stdout.split('\n');
      expect(version).toBe('1.1');
      expect(JSON.parse(body!)).toMatchObject({ protocol: 'HTTP/1.1' });
    } finally {
      await server.stop();
    }
  });

  it('h2c (opt-in) serves HTTP/2 with prior knowledge in cleartext, and HTTP/1.1 beside it', async () => {
    const server = await startServer(['--root', makeApp('')], { env: { EPHPM_H2C: '1' } });
    try {
      const h2 = await run('curl', ['-s', '--http2-prior-knowledge', '-w', '\\n%{http_version}', `${server.url}/info`]);
      const [body, version] = h2.stdout.split('\n');
      expect(version).toBe('2');
      expect(JSON.parse(body!)).toMatchObject({ protocol: 'HTTP/2.0' });
      const session = await h2Connect(server.url);
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => h2Request(session, `/info?${i}`)));
      session.close();
      expect(answers.map((a) => json(a).protocol)).toEqual(Array(10).fill('HTTP/2.0'));
      const h1 = await fetch(`${server.url}/info`, { method: 'POST', body: 'x=1' });
      expect(await h1.json()).toMatchObject({ protocol: 'HTTP/1.1', body_size: 3 });
    } finally {
      await server.stop();
    }
  });

  it('h2c is off by default: a cleartext HTTP/2 preface gets no HTTP/2 answer', async () => {
    const server = await startServer(['--root', makeApp('')]);
    try {
      const h2 = await run('curl', [
        '-s',
        '--http2-prior-knowledge',
        '-w',
        '\\n%{http_version}',
        `${server.url}/info`,
      ]).catch((error: { stdout: string }) => error);
      expect(h2.stdout).not.toMatch(/HTTP\/2\.0/);
      expect((await fetch(`${server.url}/info`).then((r) => r.json())) as object).toMatchObject({
        protocol: 'HTTP/1.1',
      });
    } finally {
      await server.stop();
    }
  });
});

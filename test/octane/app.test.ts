import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli } from '../helpers/ephpm-server.js';
import { chunks, CookieJar, fetchJson } from '../helpers/http-client.js';
import { BIG_FILE_BYTES, bigFileContent, LARAVEL_MAJOR, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { startOctane, type OctaneServer } from '../helpers/octane-server.js';
import { waitFor } from '../helpers/wait-for.js';

// A stock Laravel app (11 or 12, see test/helpers/laravel-app.ts) with laravel/octane and this driver, started with
// `php artisan octane:start --server=ephpm`, over real HTTP. One worker process, so that what one request leaves
// behind would meet the next one.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(`${onLaravel('Laravel through Octane on ephpm')}${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  let app: string;
  let server: OctaneServer;
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  const sessionCookie = async () => (await fetchJson<{ sessionCookie: string }>(`${server.url}/about`)).sessionCookie;
  const bootsOfThisWorker = async () => await fetchJson<{ pid: number; boots: number }>(`${server.url}/boots`);
  /** A field of /proc/<pid>/status in bytes (VmRSS: resident now, VmHWM: the peak since the last reset). */
  const procStatus = (pid: number, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
  const workerRss = async () => {
    const { output } = await runCli(['status', '--json', '--root', app]);
    return (JSON.parse(output) as { workers: Array<{ rssBytes: number }> }).workers[0]!.rssBytes;
  };

  beforeAll(async () => {
    app = laravelApp();
    for (const log of ['boots.log', 'events.log']) rmSync(join(app, 'storage', log), { force: true });
    server = await startOctane(app, ['--workers=1', '--max-requests=0']);
  }, 600_000);

  afterAll(async () => {
    expect(await server?.stop('SIGINT')).toBe(0);
  });

  it('serves the welcome page of a stock Laravel app, on the Laravel major of this run', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<title>Laravel<\/title>/);
    expect((await fetchJson<{ version: string }>(`${server.url}/about`)).version).toMatch(
      new RegExp(`^${LARAVEL_MAJOR}\\.\\d+\\.\\d+$`),
    );
  });

  it('boots the app once per worker process, and is not taken for a console', async () => {
    const first = await bootsOfThisWorker();
    for (let i = 0; i < 5; i++) await get('/');
    expect(await bootsOfThisWorker()).toEqual({ pid: first.pid, boots: 1 });
    expect(await fetchJson(`${server.url}/request`)).toMatchObject({ runningInConsole: false, octane: '1' });
  });

  it("shows Octane's request lines and banner in the console", async () => {
    await get('/request?from=console-test');
    await server.waitFor(/200\s+GET \/request \.+ [\d.]+ ms/);
    expect(server.output()).toMatch(/INFO\s+Server running…/);
    expect(server.output()).toMatch(/Press Ctrl\+C to stop the server/);
  });

  it('hands the app the method, URI, query, headers, remote address, cookies and body', async () => {
    const response = await get('/request?search=ephpm&tags[]=a&tags[]=b', {
      method: 'PATCH',
      headers: {
        'X-Custom': 'custom value',
        'User-Agent': 'ephpm-test',
        Cookie: 'plain=unencrypted%20value',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'title=Hello+there&list[]=1&list[]=2',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      method: 'PATCH',
      path: 'request',
      url: `${server.url}/request`,
      fullUrl: `${server.url}/request?search=ephpm&tags%5B0%5D=a&tags%5B1%5D=b`,
      query: { search: 'ephpm', tags: ['a', 'b'] },
      input: { search: 'ephpm', tags: ['a', 'b'], title: 'Hello there', list: ['1', '2'] },
      ip: '127.0.0.1',
      secure: false,
      header: 'custom value',
      userAgent: 'ephpm-test',
      content: 'title=Hello+there&list[]=1&list[]=2',
    });
  });

  it('builds https URLs and the client address from the X-Forwarded-* headers of a trusted proxy', async () => {
    const info = await fetchJson<Record<string, unknown>>(`${server.url}/request?x=1`, {
      headers: {
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'shop.example.com',
        'X-Forwarded-Port': '443',
      },
    });
    expect(info).toMatchObject({
      url: 'https://shop.example.com/request',
      ip: '203.0.113.9',
      secure: true,
      host: 'shop.example.com',
      port: 443,
    });
  });

  it('logs in through a form with its CSRF token and the session cookie', async () => {
    const browser = new CookieJar();
    const form = await browser.fetch(`${server.url}/login`);
    const token = /name="_token" value="([^"]+)"/.exec(await form.text())![1]!;
    expect(browser.cookies.has(await sessionCookie())).toBe(true);

    const rejected = await new CookieJar().fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'test@example.com', password: 'password' }),
    });
    expect(rejected.status).toBe(419);

    const login = await browser.fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _token: token, email: 'test@example.com', password: 'password' }),
    });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe(`${server.url}/dashboard`);
    const dashboard = await browser.fetch(`${server.url}/dashboard`);
    expect(await dashboard.text()).toBe('Hello, Test User');

    const stranger = await new CookieJar().fetch(`${server.url}/dashboard`);
    expect(stranger.status).toBe(302);
  });

  it('sends several encrypted cookies in one response and reads them back', async () => {
    const browser = new CookieJar();
    const response = await browser.fetch(`${server.url}/cookies/set`);
    expect(response.headers.getSetCookie().map((cookie) => cookie.split('=')[0])).toEqual(
      expect.arrayContaining(['flavor', 'size', 'XSRF-TOKEN', await sessionCookie()]),
    );
    expect(decodeURIComponent(browser.cookies.get('flavor')!)).not.toMatch(/chocolate/);
    expect(await (await browser.fetch(`${server.url}/cookies/get`)).json()).toEqual({
      flavor: 'chocolate',
      size: 'large',
    });
  });

  it('parses the JSON and form bodies of a JSON API, for POST and PUT', async () => {
    const json = await fetchJson(`${server.url}/api/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ user: { name: 'Ann', tags: ['x'] } }),
    });
    expect(json).toEqual({ method: 'POST', isJson: true, all: { user: { name: 'Ann', tags: ['x'] } }, name: 'Ann' });
    const put = await fetchJson(`${server.url}/api/echo`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'user[name]=Bo&n=1',
    });
    expect(put).toEqual({ method: 'PUT', isJson: false, all: { user: { name: 'Bo' }, n: '1' }, name: 'Bo' });
  });

  it('stores a 10 MB upload with ->store(), byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 10 * 1024 * 1024 }, (_, i) => (i * 7 + (i >> 11)) & 0xff));
    const form = new FormData();
    form.set('note', 'holiday photos');
    form.set('upload', new Blob([bytes]), 'photo.bin');
    const stored = await fetchJson<{
      path: string;
      valid: boolean;
      size: number;
      sha256: string;
      originalName: string;
      field: string;
    }>(`${server.url}/api/upload`, { method: 'POST', body: form });
    expect(stored).toMatchObject({
      valid: true,
      originalName: 'photo.bin',
      size: bytes.length,
      sha256: sha256(bytes),
      field: 'holiday photos',
    });
    const back = Buffer.from(await (await get(`/api/uploads/${stored.path.split('/').pop()}`)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
  });

  it('reads a raw body the runtime spooled to a file', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 'spooled body ');
    expect(
      await fetchJson(`${server.url}/api/raw`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body,
      }),
    ).toEqual({ size: body.length, sha256: sha256(body) });
  });

  it.each([
    { style: 'flush', kind: 'a callback that echoes and flushes' },
    { style: 'echo', kind: 'a callback that only echoes' },
    { style: 'generator', kind: 'a callback that yields' },
    { style: 'iterable', kind: 'an iterable of chunks' },
  ])('streams a response as it is produced: $kind', async ({ style }) => {
    const id = `markers-${style}-${process.pid}-${Date.now()}`;
    const release = join(app, 'storage', `release-${id}`);
    const response = await get(`/stream/markers/${id}?style=${style}`);
    const received: string[] = [];
    try {
      for await (const chunk of chunks(response)) {
        received.push(chunk.toString());
        // The app holds "last" back until this file exists: "first" can only be here if it was sent on its own.
        if (received.join('') === 'first\n') writeFileSync(release, '');
      }
    } finally {
      rmSync(release, { force: true });
    }
    expect(received.join('')).toBe('first\nlast\n');
    expect(received[0]).toBe('first\n');
  });

  it('streams callbacks that yield and iterables of chunks', async () => {
    expect(await (await get('/stream/generator')).text()).toBe('alpha\nbeta\ngamma\n');
    expect(await (await get('/stream/iterable')).text()).toBe('one\ntwo\n');
  });

  it("sends a 50 MB download byte for byte with the worker's memory flat, and honours Range", async () => {
    const expected = sha256(bigFileContent());
    const download = async () => {
      const response = await get('/download/big');
      expect(response.headers.get('content-length')).toBe(String(BIG_FILE_BYTES));
      expect(response.headers.get('content-disposition')).toMatch(/attachment; filename=big\.bin/);
      const hash = createHash('sha256');
      for await (const chunk of chunks(response)) hash.update(chunk);
      expect(hash.digest('hex')).toBe(expected);
    };
    await download();
    // Read into memory, the file would take its 50 MB in PHP (and as much again in Node) at least once; sent in
    // chunks, PHP holds one chunk at a time. The process's peak RSS (VmHWM) also counts Node's buffers, which its
    // garbage collector frees in its own time: a generous bound there.
    const pid = (await fetchJson<{ pid: number }>(`${server.url}/pid`)).pid;
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const rssBefore = procStatus(pid, 'VmRSS');
    await fetchJson(`${server.url}/memory/reset-peak`);
    const phpBefore = (await fetchJson<{ peak: number }>(`${server.url}/memory/peak`)).peak;
    await download();
    await download();
    expect((await fetchJson<{ peak: number }>(`${server.url}/memory/peak`)).peak - phpBefore).toBeLessThan(
      4 * 1024 * 1024,
    );
    expect(procStatus(pid, 'VmHWM') - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect((await workerRss()) - rssBefore).toBeLessThan(100 * 1024 * 1024);

    const range = await get('/download/big', { headers: { Range: 'bytes=1048576-1048600' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1048576-1048600/${BIG_FILE_BYTES}`);
    expect(await range.text()).toBe(bigFileContent().subarray(1048576, 1048601).toString());
  });

  it('answers HEAD, 204 and 304 without a body', async () => {
    const head = await get('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/html/);
    // Symfony drops the body of a HEAD response: no length is claimed rather than a wrong one (0).
    expect(head.headers.get('content-length')).toBeNull();
    expect(await head.text()).toBe('');
    const noContent = await get('/no-content');
    expect([noContent.status, await noContent.text()]).toEqual([204, '']);
    const notModified = await get('/not-modified');
    expect([notModified.status, await notModified.text()]).toEqual([304, '']);
  });

  it('puts what the app echoed in front of the body', async () => {
    expect(await (await get('/echo-output')).text()).toBe('echoed, then the body');
  });

  it('starts one task worker per CPU by default (--task-workers=auto, as Octane starts Swoole), where Octane::concurrently() runs', async () => {
    const { output } = await runCli(['status', '--json', '--root', app]);
    const taskPids = (JSON.parse(output) as { taskWorkers: Array<{ role: string; pid: number }> }).taskWorkers
      .filter((worker) => worker.role === 'task')
      .map((worker) => worker.pid);
    expect(taskPids).toHaveLength(availableParallelism());
    const { pid, results } = await fetchJson<{ pid: number; results: { task: number; sum: number } }>(
      `${server.url}/concurrently`,
    );
    expect(results.sum).toBe(4);
    expect(taskPids).toContain(results.task);
    expect(results.task).not.toBe(pid);
  });

  it("gives Octane::table() and the octane cache store the runtime's shared memory", async () => {
    expect(await fetchJson(`${server.url}/shared`)).toEqual({
      votes: 1,
      row: { name: 'counter', votes: 1 },
      hits: 1,
      store: 'Ephpm\\Octane\\Cache\\TableStore',
    });
    expect(await fetchJson(`${server.url}/shared`)).toMatchObject({ votes: 2, hits: 2 });
    const dump = await runCli(['table:dump', 'example', '--json', '--root', app]);
    expect(JSON.parse(dump.output)).toMatchObject({ rows: [{ key: 'visits', values: { name: 'counter', votes: 2 } }] });
  });

  it('gives each request a URL generator and Vite of its own (a forced root URL or CSP nonce does not reach the next)', async () => {
    const fresh = { url: `${server.url}/somewhere`, nonce: null };
    expect(await fetchJson(`${server.url}/state/url-and-vite`)).toEqual(fresh);
    expect(await fetchJson(`${server.url}/state/url-and-vite`)).toEqual(fresh);
  });

  it('answers dd() with the dump and keeps the worker', async () => {
    const before = await bootsOfThisWorker();
    const response = await get('/dd');
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(
      /<pre class=sf-dump[^>]*>.*"<span class=sf-dump-key>dumped<\/span>" => "<span class=sf-dump-str title="7 characters">by dd\(\)<\/span>"/s,
    );
    expect(await bootsOfThisWorker()).toEqual(before);
  });

  it('sends response()->eventStream() messages as server-sent events, then its closing event', async () => {
    const response = await get('/event-stream');
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await response.text()).toBe(
      'event: update\ndata: first\n\nevent: update\ndata: {"second":2}\n\nevent: update\ndata: </stream>\n\n',
    );
  });

  it("compresses Laravel's pages and event streams for a client that accepts br, as it sends them", async () => {
    const brotli = (path: string) =>
      new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
        request(`${server.url}${path}`, { headers: { 'Accept-Encoding': 'br' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (data: Buffer) => parts.push(data));
          res.on('end', () =>
            resolve({ headers: res.headers, body: brotliDecompressSync(Buffer.concat(parts)).toString('utf8') }),
          );
        })
          .on('error', reject)
          .end();
      });
    const page = await brotli('/fail/exception'); // Laravel's error page, tens of KB of HTML
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers.vary).toMatch(/Accept-Encoding/);
    expect(Number(page.headers['content-length'])).toBeLessThan(page.body.length / 3);
    expect(page.body).toMatch(/<html/i);
    const events = await brotli('/event-stream');
    expect(events.headers['content-encoding']).toBe('br');
    expect(events.body).toBe(
      'event: update\ndata: first\n\nevent: update\ndata: {"second":2}\n\nevent: update\ndata: </stream>\n\n',
    );
  });

  it('keeps no container instance, user, session or singleton of one request for the next', async () => {
    const clean = { instance: null, user: null, session: null, counter: 1, transactionLevel: 0 };
    expect(await fetchJson(`${server.url}/state/leak`)).toMatchObject(clean);
    expect(await fetchJson(`${server.url}/state/leak`)).toMatchObject(clean);
  });

  it("builds Octane's stateless listeners once per worker, and a listener that keeps state anew for each request", async () => {
    const listeners = () =>
      fetchJson<{ callsOfThisListener: number; flushArrayCacheBuilds: number }>(`${server.url}/state/listeners`);
    const first = await listeners();
    for (let i = 0; i < 5; i++) await get('/pid');
    const later = await listeners();
    expect(first.callsOfThisListener).toBe(1);
    expect(later.callsOfThisListener).toBe(1);
    expect(first.flushArrayCacheBuilds).toBeGreaterThan(0);
    expect(later.flushArrayCacheBuilds).toBe(first.flushArrayCacheBuilds);
  });

  it('rolls back a database transaction a failed request left open', async () => {
    expect((await get('/state/transaction')).status).toBe(500);
    expect(await fetchJson(`${server.url}/state/database`)).toEqual({ level: 0, name: 'Test User' });
    expect(readFileSync(join(app, 'storage', 'logs', 'laravel.log'), 'utf8')).toMatch(
      /left 1 database transaction\(s\) open on connection \[sqlite\]; ephpm rolled them back/,
    );
  });

  it("answers an exception that escapes the app with Octane's error (APP_DEBUG on: the exception), then serves the next request on a freshly booted app", async () => {
    const before = await bootsOfThisWorker();
    const response = await get('/state/escape');
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(
      /^RuntimeException: escaped from a streamed response in \/.*StateController\.php:\d+\nStack trace:/,
    );
    expect(await fetchJson(`${server.url}/state/leak`)).toMatchObject({
      pid: before.pid,
      instance: null,
      user: null,
      session: null,
      counter: 1,
      transactionLevel: 0,
    });
    expect(await bootsOfThisWorker()).toEqual({ pid: before.pid, boots: before.boots + 1 });
  });

  it('ends a streamed response whose callback throws after its first chunk, and serves the next request', async () => {
    const response = await get('/stream/throws-late');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('partial\n');
    expect((await get('/')).status).toBe(200);
  });

  it("answers a controller exception with Laravel's 500 page and serves the next request", async () => {
    const response = await get('/fail/exception');
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/a controller failed/);
    expect((await get('/')).status).toBe(200);
  });

  it('answers exit(), a fatal error and memory exhaustion in a controller with 500, then recovers', async () => {
    for (const path of ['/fail/exit', '/fail/fatal', '/fail/memory']) {
      const response = await get(path);
      expect(response.status, path).toBe(500);
      await response.text();
      expect((await get('/')).status, `after ${path}`).toBe(200);
    }
  });

  it("fires Octane's lifecycle events in order", async () => {
    const log = join(app, 'storage', 'events.log');
    const events = () =>
      readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ').slice(1).join(' '));
    const after = (line: string) => events().slice(events().lastIndexOf(line));

    await (await get('/pid')).json();
    expect(
      await waitFor(
        () => after('RequestReceived /pid').length >= 3 && after('RequestReceived /pid'),
        'RequestTerminated',
      ),
    ).toEqual(['RequestReceived /pid', 'RequestHandled /pid', 'RequestTerminated /pid']);

    // An exception escaping the app: no RequestTerminated; the worker script starts over with a fresh app.
    await (await get('/stream/throws')).text();
    await bootsOfThisWorker();
    expect(after('RequestReceived /stream/throws').slice(0, 6)).toEqual([
      'RequestReceived /stream/throws',
      'RequestHandled /stream/throws',
      'WorkerErrorOccurred',
      'WorkerStopping',
      'WorkerStarting',
      'RequestReceived /boots',
    ]);
  });
});

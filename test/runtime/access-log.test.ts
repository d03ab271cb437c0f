import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';

// The access log as a log pipeline reads it, and the request id a request carries from the client (or the front)
// to PHP, to the log line and back on the response.

const WORKER = `<?php
use function Ephpm\\Octane\\{take_request, send_response, start_response, send_chunk, end_response};
while ($r = take_request()) {
    switch ($r['path']) {
        case '/seen':
            send_response(200, ['Content-Type' => 'text/plain'], (string) ($r['headers']['x-request-id'] ?? ''));
            break;
        case '/own':
            send_response(200, ['X-Request-Id' => 'set-by-php'], 'own');
            break;
        case '/stream':
            start_response(200, ['Content-Type' => 'text/plain']);
            send_chunk('abc');
            send_chunk('defg');
            end_response();
            break;
        default:
            send_response(404, ['Content-Type' => 'text/plain'], 'no route');
    }
}
`;
const STATIC_FILE = 'a static file, 30 bytes long.\n';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function makeApp(): string {
  const app = tempDir('ephpm-access-log-');
  mkdirSync(join(app, 'public'), { recursive: true });
  writeFileSync(join(app, 'worker.php'), WORKER);
  writeFileSync(join(app, 'public', 'file.txt'), STATIC_FILE);
  return app;
}

function start(app: string, flags: string[]): Promise<RunningServer> {
  return startServer(['--root', app, '--worker', join(app, 'worker.php'), '--workers', '1', ...flags]);
}

type LogLine = Record<string, unknown>;

/** The JSON request line of `requestId` (or of the path, for requests sent without one), once it is written. */
async function lineOf(server: RunningServer, match: (line: LogLine) => boolean): Promise<LogLine> {
  for (let tries = 0; tries < 50; tries++) {
    for (const text of server.output().split('\n')) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      if (line.type === 'request' && match(line)) return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no matching request line in:\n${server.output()}`);
}

describe('the JSON access log and request ids', () => {
  let app: string;
  let server: RunningServer;

  beforeAll(async () => {
    app = makeApp();
    server = await start(app, ['--access-log-format', 'json', '--max-body-size', '1k']);
  });
  afterAll(async () => server?.stop());

  it('keeps a valid X-Request-Id: PHP sees it, the response returns it, the line carries every field', async () => {
    const response = await fetch(`${server.url}/seen?x=1`, {
      headers: { 'X-Request-Id': 'abc-123:trace/7', 'User-Agent': 'probe/1.0' },
    });
    expect(await response.text()).toBe('abc-123:trace/7');
    expect(response.headers.get('x-request-id')).toBe('abc-123:trace/7');
    const line = await lineOf(server, (l) => l.requestId === 'abc-123:trace/7');
    expect(line).toMatchObject({
      level: 'info',
      type: 'request',
      method: 'GET',
      url: '/seen?x=1',
      statusCode: 200,
      bytes: 'abc-123:trace/7'.length,
      remoteAddress: '127.0.0.1',
      userAgent: 'probe/1.0',
    });
    expect(Date.parse(line.time as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(line.duration).toBeGreaterThan(0);
    expect(line.worker).toEqual(expect.any(Number));
    expect(line.worker).not.toBe(server.child.pid);
  });

  it('gives a request without one a new UUID, the same for PHP, the response and the line', async () => {
    const response = await fetch(`${server.url}/seen`);
    const seen = await response.text();
    expect(seen).toMatch(UUID);
    expect(response.headers.get('x-request-id')).toBe(seen);
    await lineOf(server, (l) => l.requestId === seen && l.url === '/seen');
  });

  it.each([
    ['spaces', 'not a valid id'],
    ['129 characters', 'x'.repeat(129)],
    ['a quote', 'id"quoted'],
  ])('replaces a client id with %s by a new one, everywhere', async (_what, bad) => {
    const response = await fetch(`${server.url}/seen`, { headers: { 'X-Request-Id': bad } });
    const seen = await response.text();
    expect(seen).toMatch(UUID);
    expect(response.headers.get('x-request-id')).toBe(seen);
    expect(server.output()).not.toContain(bad);
  });

  it("leaves PHP's own X-Request-Id alone, once", async () => {
    const response = await fetch(`${server.url}/own`, { headers: { 'X-Request-Id': 'from-client' } });
    expect(response.headers.get('x-request-id')).toBe('set-by-php');
  });

  it('returns it on a streamed response and a HEAD answered through Node, counting the body bytes sent', async () => {
    const streamed = await fetch(`${server.url}/stream`, { headers: { 'X-Request-Id': 'streamed-1' } });
    expect(await streamed.text()).toBe('abcdefg');
    expect(streamed.headers.get('x-request-id')).toBe('streamed-1');
    expect(await lineOf(server, (l) => l.requestId === 'streamed-1')).toMatchObject({ statusCode: 200, bytes: 7 });

    const head = await fetch(`${server.url}/seen`, { method: 'HEAD', headers: { 'X-Request-Id': 'head-1' } });
    expect(head.headers.get('x-request-id')).toBe('head-1');
    expect(await lineOf(server, (l) => l.requestId === 'head-1')).toMatchObject({ method: 'HEAD', bytes: 0 });
  });

  it("returns it on the front's own answers and static files", async () => {
    const tooLarge = await fetch(`${server.url}/seen`, {
      method: 'POST',
      body: 'x'.repeat(4096),
      headers: { 'X-Request-Id': 'too-large-1' },
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-request-id')).toBe('too-large-1');
    expect(await lineOf(server, (l) => l.requestId === 'too-large-1')).toMatchObject({ statusCode: 413 });

    const file = await fetch(`${server.url}/file.txt`, { headers: { 'X-Request-Id': 'static-1' } });
    expect(await file.text()).toBe(STATIC_FILE);
    expect(file.headers.get('x-request-id')).toBe('static-1');
    expect(await lineOf(server, (l) => l.requestId === 'static-1')).toMatchObject({
      statusCode: 200,
      bytes: STATIC_FILE.length,
    });
  });
});

describe('the access log and request ids turned off', () => {
  let app: string;
  beforeAll(() => {
    app = makeApp();
  });

  it('--no-request-id: nothing added, a client id reaches PHP as sent and is not returned', async () => {
    const server = await start(app, ['--no-request-id', '--access-log-format', 'json']);
    try {
      const bare = await fetch(`${server.url}/seen`);
      expect(await bare.text()).toBe('');
      expect(bare.headers.get('x-request-id')).toBeNull();
      const sent = await fetch(`${server.url}/seen`, { headers: { 'X-Request-Id': 'not valid but untouched' } });
      expect(await sent.text()).toBe('not valid but untouched');
      expect(sent.headers.get('x-request-id')).toBeNull();
      const line = await lineOf(server, (l) => l.url === '/seen');
      expect(line).not.toHaveProperty('requestId');
    } finally {
      await server.stop();
    }
  });

  it('text lines by default, none with --no-access-log', async () => {
    const text = await start(app, []);
    try {
      await fetch(`${text.url}/seen?text=1`);
      await text.waitFor(/200 GET\s+\/seen\?text=1 [\d.]+ ms/);
    } finally {
      await text.stop();
    }
    const quiet = await start(app, ['--no-access-log']);
    try {
      const response = await fetch(`${quiet.url}/seen?quiet=1`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toMatch(UUID);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(quiet.output()).not.toContain('/seen?quiet=1');
    } finally {
      await quiet.stop();
    }
  });
});

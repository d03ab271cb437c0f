import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { RawConnection, type RawResponse } from '../helpers/raw-http.js';

// A keep-alive connection whose last answer PHP wrote itself is where a faster front would read the next request
// (bench/README, "A native lane"). Whatever a client sends next on it must get exactly what it gets on a new
// connection: the same answer, the same request in PHP, the same refusals, the same timeouts.

const WORKER = `<?php
declare(strict_types=1);

use function Ephpm\\Octane\\{end_response, send_chunk, send_response, start_response, take_request};

while ($r = take_request()) {
    switch ($r['path']) {
        case '/stream':
            start_response(200, ['Content-Type' => 'text/plain']);
            foreach (['one ', 'two ', 'three'] as $part) {
                send_chunk($part);
            }
            end_response();
            break;
        case '/page':
            send_response(200, ['Content-Type' => 'text/html; charset=utf-8'], str_repeat('<p>a page of some size</p>', 100));
            break;
        case '/linked':
            send_response(200, ['Content-Type' => 'text/plain', 'Link' => '</hello.txt>; rel=preload; as=fetch'], 'linked');
            break;
        default:
            $server = array_intersect_key($r['server'], array_flip([
                'REQUEST_METHOD', 'REQUEST_URI', 'QUERY_STRING', 'SERVER_PROTOCOL', 'HTTP_HOST', 'SERVER_NAME',
                'SERVER_PORT', 'REMOTE_ADDR', 'CONTENT_TYPE', 'CONTENT_LENGTH', 'HTTP_COOKIE',
            ]));
            $headers = $r['headers'];
            unset($headers['x-request-id']);
            send_response(200, ['Content-Type' => 'application/json'], json_encode([
                'method' => $r['method'], 'uri' => $r['uri'], 'path' => $r['path'], 'query' => $r['query'],
                'headers' => $headers, 'cookies' => $r['cookies'], 'post' => $r['post'], 'server' => $server,
                'request_id' => isset($r['headers']['x-request-id']),
            ], JSON_INVALID_UTF8_SUBSTITUTE));
    }
}
`;

const READ = { timeoutMs: 5000 };
const HEADER_TIMEOUT_SECONDS = 2;

let server: RunningServer;

beforeAll(async () => {
  const app = tempDir('ephpm-reused-');
  mkdirSync(join(app, 'public'));
  writeFileSync(join(app, 'public', 'hello.txt'), 'static hello');
  writeFileSync(join(app, 'worker.php'), WORKER);
  server = await startServer([
    '--root',
    app,
    '--worker',
    join(app, 'worker.php'),
    '--workers',
    '1',
    '--header-timeout',
    String(HEADER_TIMEOUT_SECONDS),
  ]);
});
afterAll(async () => {
  await server?.stop();
});

/** A connection on which PHP has answered one request itself, idle since. */
async function reusedConnection(): Promise<RawConnection> {
  const connection = await RawConnection.open(server.port);
  connection.get(['/first']);
  const first = await connection.read(READ);
  expect(first.statusLine).toBe('HTTP/1.1 200 OK');
  await new Promise((resolve) => setTimeout(resolve, 50));
  return connection;
}

interface Outcome {
  statusLine: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  vary: string | undefined;
  closes: boolean;
  body: unknown;
  /** Whether the connection still serves a request after this answer. */
  goesOn: boolean;
}

/** What a user can tell of an answer: its status, type, body (PHP's view of the request), and the connection after. */
async function outcome(connection: RawConnection, request: string, bodyless: boolean): Promise<Outcome> {
  connection.send(request);
  const response: RawResponse = await connection.read({ ...READ, bodyless });
  const encoding = response.header('content-encoding');
  const decode = { gzip: gunzipSync, br: brotliDecompressSync }[encoding ?? ''] ?? ((body: Buffer) => body);
  const text = decode(response.body).toString('latin1');
  const json = /json/.test(response.header('content-type') ?? '');
  let goesOn = false;
  if (!connection.ended) {
    try {
      connection.get(['/after']);
      goesOn = (await connection.read({ timeoutMs: 2000 })).statusLine === 'HTTP/1.1 200 OK';
    } catch {
      goesOn = false;
    }
  }
  return {
    statusLine: response.statusLine,
    contentType: response.header('content-type'),
    contentEncoding: encoding,
    vary: response.header('vary'),
    closes: response.header('connection') === 'close',
    body: json && text !== '' ? JSON.parse(text) : text,
    goesOn,
  };
}

async function onNewConnection(request: string, bodyless = false): Promise<Outcome> {
  const connection = await RawConnection.open(server.port);
  try {
    return await outcome(connection, request, bodyless);
  } finally {
    connection.close();
  }
}

async function onReusedConnection(request: string, bodyless = false): Promise<Outcome> {
  const connection = await reusedConnection();
  try {
    return await outcome(connection, request, bodyless);
  } finally {
    connection.close();
  }
}

const GET = (target: string, headers = 'Host: test\r\n') => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;

describe('a request on a connection PHP has already answered on', () => {
  // [what, request, its status and whether the connection goes on after it (on a new connection), bodyless (HEAD)]
  for (const [what, request, status, goesOn, bodyless] of [
    [
      'a GET with a query, cookies and headers PHP reads',
      GET('/echo?a=1&b[]=2&c=%20d&e', 'Host: test\r\nCookie: s=1; t=%41\r\nAccept: */*\r\nX-Odd:  spaced  \r\n'),
      200,
      true,
    ],
    ['HEAD', 'HEAD /echo HTTP/1.1\r\nHost: test\r\n\r\n', 200, true, true],
    [
      'a urlencoded POST',
      'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2',
      200,
      true,
    ],
    ['HTTP/1.0 asking for keep-alive', 'GET /echo HTTP/1.0\r\nHost: test\r\nConnection: keep-alive\r\n\r\n', 200, true],
    ['Connection: close', GET('/echo', 'Host: test\r\nConnection: close\r\n'), 200, false],
    [
      'Connection: keep-alive, as most clients send',
      GET('/echo', 'Host: test\r\nConnection: Keep-Alive\r\n'),
      200,
      true,
    ],
    [
      'Connection: keep-alive with an Upgrade',
      GET('/echo', 'Host: test\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n'),
      200,
      true,
    ],
    ['an absolute-form target', GET('http://other.example/echo?x=1'), 200, true],
    ['a query with invalid percent escapes', GET('/echo?x=%zz&y=%E9'), 200, true],
    ['a static file', GET('/hello.txt'), 200, true],
    ['a path with no static file (PHP answers)', GET('/missing.txt'), 200, true],
    ['an answer PHP streams', GET('/stream'), 200, true],
    ['a page for a client that names no coding', GET('/page'), 200, true],
    // The coding Node negotiates (compression/negotiation.ts), which the lane must pick alike or leave to Node.
    ...[
      'gzip',
      'br, gzip;q=0.5',
      'gzip, deflate, br, zstd',
      'x-gzip',
      'GZIP;Q=0.5',
      'br;q=1.000, gzip;q=0.999',
      'gzip;q=0',
      '*;q=0',
      'gzip;q=0, *',
      '*, br;q=0',
      'zstd',
      'identity',
      'deflate',
      ' , gzip ,',
      'gzip;q=.5',
      'gzip;level=1',
      'gzip;q=2',
      'gzip; q = 0.7',
      'br;q=0.5;q=0',
    ].map((accepted): [string, string, number, boolean] => [
      `a page for a client that says Accept-Encoding: ${accepted}`,
      GET('/page', `Host: test\r\nAccept-Encoding: ${accepted}\r\n`),
      200,
      true,
    ]),
    [
      'a page asked for in two Accept-Encoding lines',
      GET('/page', 'Host: test\r\nAccept-Encoding: identity\r\nAccept-Encoding: gzip\r\n'),
      200,
      true,
    ],
    ['a small answer for a client that takes gzip', GET('/echo', 'Host: test\r\nAccept-Encoding: gzip\r\n'), 200, true],
    [
      'a page for a client that takes gzip and asks for a range',
      GET('/page', 'Host: test\r\nAccept-Encoding: gzip\r\nRange: bytes=0-9\r\n'),
      200,
      true,
    ],
    ['an answer with a Link header (Node writes it)', GET('/linked'), 200, true],
    ['an Upgrade request', GET('/echo', 'Host: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'), 200, true],
    ['two Host headers', GET('/echo', 'Host: a.example\r\nHost: b.example\r\n'), 400, false],
    ['no Host header', GET('/echo', 'Accept: */*\r\n'), 400, false],
    ['a Host that is not host[:port]', GET('/echo', 'Host: a b\r\n'), 400, false],
    ['garbage', 'NOT HTTP AT ALL\r\n\r\n', 400, false],
    ['a space before a header colon', GET('/echo', 'Host: test\r\nX-A : 1\r\n'), 400, false],
    ['a folded header line', GET('/echo', 'Host: test\r\nX-A: 1\r\n  2\r\n'), 400, false],
    ['a control character in a header value', GET('/echo', 'Host: test\r\nX-A: a\x01b\r\n'), 400, false],
    ['bare LF line ends', 'GET /echo HTTP/1.1\nHost: test\n\n', 400, false],
    ['a lowercase method', 'get /echo HTTP/1.1\r\nHost: test\r\n\r\n', 400, false],
    ['asterisk-form on GET', GET('*'), 400, false],
    ['a target without a leading slash', GET('echo'), 400, false],
    ['a control character in the target', GET('/ec\x7fho'), 400, false],
    [
      'Content-Length beside Transfer-Encoding',
      'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      false,
    ],
    [
      'two different Content-Lengths',
      'POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      400,
      false,
    ],
    [
      'a chunk size that is not hex',
      'POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
      400,
      false,
    ],
    ['headers past the size limit', GET('/echo', `Host: test\r\nX-Big: ${'a'.repeat(20_000)}\r\n`), 431, false],
  ] as Array<[string, string, number, boolean, boolean?]>) {
    it(`gets what it gets on a new connection: ${what}`, async () => {
      const fresh = await onNewConnection(request, bodyless);
      expect([fresh.statusLine.split(' ')[1], fresh.goesOn]).toEqual([String(status), goesOn]);
      const reused = await onReusedConnection(request, bodyless);
      expect(reused).toEqual(fresh);
    });
  }

  it('reaches PHP with a request id when the front gives ids, as on a new connection', async () => {
    const fresh = await onNewConnection(GET('/echo'));
    const reused = await onReusedConnection(GET('/echo'));
    expect(fresh.body).toMatchObject({ request_id: true });
    expect(reused.body).toMatchObject({ request_id: true });
  });

  it(`that arrives too slowly gets the 408 after header_timeout (${HEADER_TIMEOUT_SECONDS} s), as on a new connection`, async () => {
    const connection = await reusedConnection();
    try {
      connection.send('GET /echo HTTP/1.1\r\nHost: te');
      const answer = await connection.read({ timeoutMs: (HEADER_TIMEOUT_SECONDS + 3) * 1000 });
      expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
      await connection.closedByServer();
    } finally {
      connection.close();
    }
  });

  it('that never comes: the idle connection is closed after the keep-alive timeout it was told (5 s)', async () => {
    const connection = await reusedConnection();
    try {
      const idleSince = Date.now();
      await connection.closedByServer(10_000);
      expect(Date.now() - idleSince).toBeGreaterThanOrEqual(4000);
    } finally {
      connection.close();
    }
  });
});

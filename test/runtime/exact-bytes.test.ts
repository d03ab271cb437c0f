import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';

const hardeningWorker = fixture('workers', 'hardening.php');

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
});
afterAll(async () => {
  await server?.stop();
});

/** One request written byte for byte (`head` is latin1: one char per byte), its response read back. */
async function exchange(head: string, options: { bodyless?: boolean } = {}) {
  const client = await RawConnection.open(server.port);
  try {
    client.socket.write(Buffer.from(head, 'latin1'));
    return await client.read(options);
  } finally {
    client.close();
  }
}

const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');

describe('header bytes pass through unchanged', () => {
  it('from the client to PHP: header values and cookies, whatever their encoding', async () => {
    const answer = await exchange(
      'GET /bytes-in HTTP/1.1\r\nHost: test\r\nX-U: \xc3\xa9\xff\r\nCookie: n=\xc3\xa9\r\n\r\n',
    );
    const data = JSON.parse(answer.body.toString()) as {
      headers: Record<string, string>;
      cookies: Record<string, string>;
      server_cookie: string;
    };
    expect(data.headers['x-u']).toBe('c3a9ff');
    expect(data.cookies.n).toBe('c3a9'); // é in UTF-8, as sent
    expect(data.server_cookie).toBe(hex('n=\xc3\xa9'));
  });

  it('from PHP to the client, the same on every path: written by PHP, by Node, and for HEAD', async () => {
    for (const [request, bodyless] of [
      ['GET /bytes-out?hex=c3a9ff HTTP/1.1', false], // PHP writes the response itself
      ['GET /bytes-out?hex=c3a9ff&via=node HTTP/1.1', false], // a header only Node writes: Node sends it
      ['HEAD /bytes-out?hex=c3a9ff HTTP/1.1', true],
    ] as const) {
      const answer = await exchange(`${request}\r\nHost: test\r\n\r\n`, { bodyless });
      expect(answer.statusLine, request).toBe('HTTP/1.1 200 OK');
      expect(hex(answer.header('x-bytes')!), request).toBe('c3a9ff');
    }
  });
});

describe('request targets in every form RFC 9112 allows', () => {
  const target = async (requestLine: string, headers = 'Host: origin.test\r\n') => {
    const answer = await exchange(`${requestLine}\r\n${headers}\r\n`);
    return { status: answer.statusLine, body: answer.body.toString() };
  };

  it('absolute-form reaches PHP as its path and query, with the host it names (as nginx gives it to php-fpm)', async () => {
    const { status, body } = await target('GET http://example.com:8080/target?a=1&b=2 HTTP/1.1');
    expect(status).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(body)).toMatchObject({
      uri: '/target?a=1&b=2',
      path: '/target',
      query_string: 'a=1&b=2',
      query: { a: '1', b: '2' },
      host: 'example.com:8080',
      HTTP_HOST: 'example.com:8080',
      SERVER_NAME: 'example.com',
      REQUEST_URI: '/target?a=1&b=2',
    });
  });

  it('origin-form as sent, asterisk-form for OPTIONS as *', async () => {
    expect(JSON.parse((await target('GET /target?x=1 HTTP/1.1')).body)).toMatchObject({
      uri: '/target?x=1',
      path: '/target',
      host: 'origin.test',
    });
    const asterisk = await target('OPTIONS * HTTP/1.1');
    expect(asterisk.status).toBe('HTTP/1.1 404 Not Found'); // the worker script has no route for it: PHP answered
    expect(asterisk.body).toBe('no route for *\n');
  });

  it('CONNECT (authority-form) is refused: this is not a proxy; other targets are a 400', async () => {
    const connect = await target('CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443\r\n');
    expect(connect.status).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(connect.body).toBe('405 Method Not Allowed: CONNECT is not served here (not a proxy).\n');
    expect((await target('GET ftp://example.com/file HTTP/1.1')).status).toBe('HTTP/1.1 400 Bad Request');
    expect((await target('GET * HTTP/1.1')).status).toBe('HTTP/1.1 400 Bad Request');
  });
});

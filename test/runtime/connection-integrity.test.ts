import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';

// Nothing lost, nothing desynchronised: whatever a client sends on a connection, every request PHP ran is
// answered, in order, and nothing the client was not meant to get comes before or between the answers.

const hardeningWorker = fixture('workers', 'hardening.php');

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', hardeningWorker, '--workers', '1', '--max-body-size', '1M']);
});
afterAll(async () => {
  await server?.stop();
});

const READ = { timeoutMs: 5000 };

/** How many requests the worker's PHP has run so far (hardening.php counts them). */
async function servedByPhp(): Promise<number> {
  const connection = await RawConnection.open(server.port);
  try {
    connection.get(['/pid']);
    return (JSON.parse((await connection.read(READ)).body.toString()) as { served: number }).served;
  } finally {
    connection.close();
  }
}

/** One request written as is, on a connection of its own; its response. */
async function exchange(request: string) {
  const connection = await RawConnection.open(server.port);
  try {
    connection.send(request);
    return await connection.read(READ);
  } finally {
    connection.close();
  }
}

describe('Expect: 100-continue', () => {
  it('with a body over max_body_size gets the 413 and no 100 Continue', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.send('POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n');
      const response = await connection.read(READ);
      expect(response.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
      await connection.closedByServer();
    } finally {
      connection.close();
    }
  });

  it('with a body within the limit gets 100 Continue, then the answer to the body it sent', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.send('POST /body HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
      expect((await connection.read(READ)).statusLine).toBe('HTTP/1.1 100 Continue');
      connection.send('hello');
      const response = await connection.read(READ);
      expect(response.statusLine).toBe('HTTP/1.1 200 OK');
      expect(JSON.parse(response.body.toString())).toMatchObject({ size: 5 });
    } finally {
      connection.close();
    }
  });
});

describe('the Host header (RFC 9112 §3.2)', () => {
  it('more than one, or one that is not host[:port], gets 400 and never reaches PHP', async () => {
    const before = await servedByPhp();
    for (const hosts of [
      ['a.example', 'b.example'],
      ['a.example', 'a.example'],
      ['../../x/y'],
      ['a b'],
      ['..'],
      ['a.example:80x'],
      ['[::1'],
    ]) {
      const response = await exchange(
        `GET /target HTTP/1.1\r\n${hosts.map((host) => `Host: ${host}\r\n`).join('')}\r\n`,
      );
      expect(response.statusLine, hosts.join(' + ')).toBe('HTTP/1.1 400 Bad Request');
    }
    const absolute = await exchange('GET http://a..b/target HTTP/1.1\r\nHost: a.example\r\n\r\n');
    expect(absolute.statusLine, 'an absolute-form target naming an invalid host').toBe('HTTP/1.1 400 Bad Request');
    expect(await servedByPhp()).toBe(before + 1);
  });

  it('a name, an IPv4 or IPv6 address, with or without a port, reaches PHP as sent', async () => {
    for (const host of [
      'example.com',
      'Example.COM:8080',
      '127.0.0.1:80',
      '[::1]',
      '[::1]:8080',
      'xn--bcher-kva.example',
      'a_b.example',
    ]) {
      const response = await exchange(`GET /target HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      expect(response.statusLine, host).toBe('HTTP/1.1 200 OK');
      expect(JSON.parse(response.body.toString()), host).toMatchObject({ HTTP_HOST: host });
    }
  });
});

describe('a connection whose client sends something it should not after a valid request', () => {
  it('garbage: the requests before it are answered, in order, then the 400, then the connection closes', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.send(
        'GET /sleep?ms=200 HTTP/1.1\r\nHost: test\r\n\r\nGET /sleep?ms=10 HTTP/1.1\r\nHost: test\r\n\r\nNOT HTTP AT ALL\r\n\r\n',
      );
      for (const ms of [200, 10]) {
        const response = await connection.read(READ);
        expect(response.statusLine, `/sleep?ms=${ms}`).toBe('HTTP/1.1 200 OK');
        expect(JSON.parse(response.body.toString())).toHaveProperty('pid');
      }
      expect((await connection.read(READ)).statusLine).toBe('HTTP/1.1 400 Bad Request');
      expect((await connection.readUntilClosed()).toString()).toBe('');
    } finally {
      connection.close();
    }
  });

  for (const [what, first] of [
    ['a request after Connection: close', 'GET /sleep?ms=200 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n'],
    ['a request after an HTTP/1.0 one without keep-alive', 'GET /sleep?ms=200 HTTP/1.0\r\n\r\n'],
  ]) {
    it(`${what}: the first is answered, nothing after it, and the connection closes`, async () => {
      const connection = await RawConnection.open(server.port);
      try {
        connection.send(`${first}GET /pid HTTP/1.1\r\nHost: test\r\n\r\n`);
        const response = await connection.read(READ);
        expect(response.statusLine).toBe('HTTP/1.1 200 OK');
        expect(response.header('connection')).toBe('close');
        expect(JSON.parse(response.body.toString())).toHaveProperty('pid');
        expect((await connection.readUntilClosed()).toString()).toBe('');
      } finally {
        connection.close();
      }
    });
  }
});

describe('a client that half-closes its side after its requests (nc -N)', () => {
  it('gets every response, then the server closes', async () => {
    for (const paths of [['/sleep?ms=200'], ['/pid'], ['/sleep?ms=200', '/sleep?ms=10', '/pid']]) {
      const connection = await RawConnection.open(server.port);
      try {
        connection.get(paths);
        connection.socket.end();
        for (const path of paths) {
          const response = await connection.read(READ);
          expect(response.statusLine, path).toBe('HTTP/1.1 200 OK');
          expect(JSON.parse(response.body.toString()), path).toHaveProperty('pid');
        }
        expect((await connection.readUntilClosed()).toString()).toBe('');
      } finally {
        connection.close();
      }
    }
  });
});

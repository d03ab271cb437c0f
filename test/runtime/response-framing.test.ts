import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { RawConnection, type RawResponse } from '../helpers/raw-http.js';

// How a response's body is delimited on the wire is the server's business: whatever Content-Length or
// Transfer-Encoding the app claims, the client must get the bytes PHP produced, framed so that the next
// response on the same connection starts where it should.

const framingWorker = fixture('workers', 'framing.php');

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', framingWorker, '--workers', '1']);
});
afterAll(async () => {
  await server?.stop();
});

const READ = { timeoutMs: 3000 };

/** The framing headers of a response, as sent. */
const framing = (response: RawResponse) =>
  response.headers
    .filter(([name]) => /^(content-length|transfer-encoding)$/i.test(name))
    .map(([name, value]) => `${name}: ${value}`);

/** The connection still works: the next response starts where the last one ended. */
async function nextResponseIsWhole(connection: RawConnection, what: string): Promise<void> {
  connection.get(['/pid']);
  const next = await connection.read(READ);
  expect(next.statusLine, what).toBe('HTTP/1.1 200 OK');
  expect(JSON.parse(next.body.toString()), what).toHaveProperty('pid');
}

describe('a complete response whose Content-Length is wrong', () => {
  for (const claimed of ['3', '100', 'abc', '-1']) {
    it(`(${claimed}) goes out whole with the length of its body, written by PHP or by Node, and the connection goes on`, async () => {
      for (const route of ['/send', '/echo']) {
        const connection = await RawConnection.open(server.port);
        try {
          // One write: the first response is the connection's only one (PHP writes it), the second waits behind it (Node writes it).
          connection.get([`${route}?cl=${claimed}`, `${route}?cl=${claimed}`, '/pid']);
          for (const writer of ['PHP', 'Node']) {
            const response = await connection.read(READ);
            const what = `${route}?cl=${claimed}, written by ${writer}`;
            expect(response.statusLine, what).toBe('HTTP/1.1 200 OK');
            expect(framing(response), what).toEqual(['Content-Length: 8']);
            expect(response.body.toString(), what).toBe('abcdefgh');
          }
          const pid = await connection.read(READ);
          expect(pid.statusLine).toBe('HTTP/1.1 200 OK');
          await nextResponseIsWhole(connection, `after ${route}?cl=${claimed}`);
        } finally {
          connection.close();
        }
      }
    });
  }

  it('for HEAD keeps a valid Content-Length the app set (the length GET would have), and replaces an invalid one', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      for (const [claimed, expected] of [
        ['3', '3'],
        ['100', '100'],
        ['abc', '8'],
        ['-1', '8'],
      ]) {
        connection.send(`HEAD /send?cl=${claimed} HTTP/1.1\r\nHost: test\r\n\r\n`);
        const response = await connection.read({ ...READ, bodyless: true });
        expect(framing(response), `HEAD with Content-Length ${claimed}`).toEqual([`Content-Length: ${expected}`]);
      }
      await nextResponseIsWhole(connection, 'after the HEAD requests');
    } finally {
      connection.close();
    }
  });
});

describe('a response whose app set Transfer-Encoding', () => {
  it('carries one framing only, never Transfer-Encoding beside Content-Length', async () => {
    for (const route of ['/send', '/echo']) {
      const connection = await RawConnection.open(server.port);
      try {
        connection.get([`${route}?te=chunked`, `${route}?te=chunked&cl=3`]);
        for (const what of [`${route}?te=chunked`, `${route}?te=chunked&cl=3`]) {
          const response = await connection.read(READ);
          expect(framing(response), what).toEqual(['Content-Length: 8']);
          expect(response.body.toString(), what).toBe('abcdefgh');
        }
        await nextResponseIsWhole(connection, route);
      } finally {
        connection.close();
      }
    }
  });
});

describe('a response without a body (204, 304)', () => {
  it('says no Content-Length for 204; a 304 keeps a valid one (the length of the representation)', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.get(['/status?code=204&cl=8', '/status?code=304&cl=8', '/status?code=304&cl=abc']);
      expect(framing(await connection.read({ ...READ, bodyless: true }))).toEqual([]);
      expect(framing(await connection.read({ ...READ, bodyless: true }))).toEqual(['Content-Length: 8']);
      expect(framing(await connection.read({ ...READ, bodyless: true }))).toEqual([]);
      await nextResponseIsWhole(connection, 'after 204 and 304');
    } finally {
      connection.close();
    }
  });
});

describe('a streamed response', () => {
  it('with a valid Content-Length sends no byte past it, and the connection goes on', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.get(['/stream?cl=3']);
      const response = await connection.read(READ);
      expect(framing(response)).toEqual(['Content-Length: 3']);
      expect(response.body.toString()).toBe('abc');
      await nextResponseIsWhole(connection, 'after a stream cut at its Content-Length');
    } finally {
      connection.close();
    }
  });

  it('that ends short of its Content-Length sends what PHP produced, then closes the connection', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.get(['/stream?cl=100']);
      const response = await connection.read({ ...READ, bodyless: true });
      expect(framing(response)).toEqual(['Content-Length: 100']);
      expect((await connection.readUntilClosed()).toString()).toBe('abcdefgh');
    } finally {
      connection.close();
    }
  });

  it("with an invalid Content-Length or a Transfer-Encoding of the app's is chunked by the server", async () => {
    const connection = await RawConnection.open(server.port);
    try {
      for (const query of ['cl=abc', 'cl=-1', 'te=chunked', 'te=chunked&cl=abc']) {
        connection.get([`/stream?${query}`]);
        const response = await connection.read(READ);
        expect(framing(response), query).toEqual(['Transfer-Encoding: chunked']);
        expect(response.body.toString(), query).toBe('abcdefgh');
      }
      await nextResponseIsWhole(connection, 'after chunked streams');
    } finally {
      connection.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appWorker, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { alphabetBytes, RawConnection, type RawResponse } from '../helpers/raw-http.js';
import { writeSelfSignedCertificate } from '../helpers/tls.js';

// PHP writes complete responses to the client's socket itself when nothing
// else can write on the connection; otherwise Node writes them. A client must
// not be able to tell the two apart, whatever it does with the connection.

// The date, and the request id each request gets (its own on every path: checked below), differ between responses.
const withoutDate = (response: RawResponse) =>
  response.head.replace(/\r\nDate: [^\r]+/, '').replace(/\r\nX-Request-Id: [^\r]+/, '\r\nX-Request-Id: …');

describe('responses PHP writes to the socket itself', () => {
  let server: RunningServer;
  let tlsServer: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--worker', appWorker, '--workers', '1']);
    // The same worker behind TLS, where Node writes every answer: what PHP writes must be the same bytes.
    const tlsRoot = tempDir();
    writeSelfSignedCertificate(tlsRoot);
    writeFileSync(
      join(tlsRoot, 'ephpm.toml'),
      `[server]\nworker = ${JSON.stringify(appWorker)}\nworkers = 1\n\n[server.tls]\ncert = "cert.pem"\nkey = "key.pem"\n`,
    );
    tlsServer = await startServer(['--root', tlsRoot]);
  });
  afterAll(async () => {
    await server?.stop();
    await tlsServer?.stop();
  });

  it('are byte for byte what Node sends, headers in order, repeated ones kept', async () => {
    const viaNode = await RawConnection.openTls(tlsServer.port);
    const connection = await RawConnection.open(server.port);
    try {
      viaNode.get(['/cookies']);
      const written = await viaNode.read();
      connection.get(['/cookies']);
      const alone = await connection.read(); // the connection's only request: PHP writes it
      connection.get(['/cookies', '/cookies']);
      const first = await connection.read();
      const pipelined = await connection.read(); // waits behind the first, then goes to PHP as any other
      expect(alone.statusLine).toBe('HTTP/1.1 200 OK');
      expect(alone.headers.filter(([name]) => name === 'Set-Cookie').map(([, value]) => value)).toEqual([
        'first=1; Path=/',
        'second=2; Path=/; HttpOnly',
      ]);
      expect(alone.header('date')).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(alone.header('connection')).toBe('keep-alive');
      expect(alone.header('keep-alive')).toBe('timeout=5');
      expect(alone.header('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(pipelined.header('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(pipelined.header('x-request-id')).not.toBe(alone.header('x-request-id'));
      for (const response of [alone, first, pipelined]) expect(withoutDate(response)).toBe(withoutDate(written));
      expect(alone.body.toString()).toBe('cookies set');
    } finally {
      viaNode.close();
      connection.close();
    }
  });

  it('carry the same reason phrase as Node, "unknown" for codes it has none for', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.get(['/status?code=418']);
      expect((await connection.read()).statusLine).toBe("HTTP/1.1 418 I'm a Teapot");
      connection.get(['/status?code=599']);
      expect((await connection.read()).statusLine).toBe('HTTP/1.1 599 unknown');
    } finally {
      connection.close();
    }
  });

  it('answer pipelined requests in order', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      const paths = Array.from({ length: 25 }, (_, i) => `/request?n=${i}`);
      connection.get(paths);
      for (const path of paths) {
        const response = await connection.read();
        expect(JSON.parse(response.body.toString()).uri).toBe(path);
      }
    } finally {
      connection.close();
    }
  });

  it('come after every byte of a large answer before them that the client has not read yet', async () => {
    const size = 12 * 1024 * 1024; // more than the socket takes at once: Node writes the rest
    const connection = await RawConnection.open(server.port);
    try {
      connection.socket.pause();
      connection.get(['/bytes?size=' + size, '/bytes?size=10', '/cookies']);
      await new Promise((resolve) => setTimeout(resolve, 400));
      connection.socket.resume();
      const large = await connection.read({ timeoutMs: 20_000 });
      expect(large.body.equals(alphabetBytes(size))).toBe(true);
      expect((await connection.read()).body.toString()).toBe('abcdefghij');
      expect((await connection.read()).body.toString()).toBe('cookies set');
    } finally {
      connection.close();
    }
  });

  it('arrive whole at a client that reads slowly, and the connection goes on', async () => {
    const size = 12 * 1024 * 1024; // more than a socket buffer takes at once
    const connection = await RawConnection.open(server.port);
    try {
      connection.socket.pause();
      connection.get(['/bytes?size=' + size]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      connection.socket.resume();
      const response = await connection.read({ timeoutMs: 20_000 });
      expect(response.header('content-length')).toBe(String(size));
      expect(response.body.equals(alphabetBytes(size))).toBe(true);
      connection.get(['/bytes?size=10']);
      expect((await connection.read()).body.toString()).toBe('abcdefghij');
    } finally {
      connection.close();
    }
  });

  it('say "Connection: close" to an HTTP/1.0 client, and the server then closes', async () => {
    const connection = await RawConnection.open(server.port);
    connection.send('GET /cookies HTTP/1.0\r\nHost: test\r\n\r\n');
    const response = await connection.read();
    expect(response.header('connection')).toBe('close');
    expect(response.body.toString()).toBe('cookies set');
    await connection.closedByServer();
  });

  it('leave a "Connection: close" of PHP\'s own to Node, which honours it', async () => {
    const connection = await RawConnection.open(server.port);
    connection.get(['/closing']);
    const response = await connection.read();
    expect(response.header('connection')).toBe('close');
    expect(response.body.toString()).toBe('closing');
    await connection.closedByServer();
  });

  it('are not used for HEAD: headers only, and the connection goes on', async () => {
    const connection = await RawConnection.open(server.port);
    try {
      connection.send('HEAD /bytes?size=100 HTTP/1.1\r\nHost: test\r\n\r\n');
      const head = await connection.read({ bodyless: true });
      expect(head.header('content-length')).toBe('100');
      connection.get(['/bytes?size=3']);
      const next = await connection.read();
      expect(next.body.toString()).toBe('abc');
    } finally {
      connection.close();
    }
  });

  it('to a client that hung up are dropped, and the worker goes on serving', async () => {
    const before = await fetch(`${server.url}/pid`).then((response) => response.json());
    for (let i = 0; i < 5; i++) {
      const connection = await RawConnection.open(server.port);
      connection.get(['/sleep?ms=100']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      connection.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    const after = await fetch(`${server.url}/pid`).then((response) => response.json());
    expect(after.pid).toBe(before.pid);
    expect(server.output()).not.toMatch(/error|exited/i);
  });
});

describe('a response PHP writes while the server shuts down', () => {
  it('tells the client the connection closes', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    const connection = await RawConnection.open(server.port);
    connection.get(['/sleep?ms=600']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exit = server.stop('SIGTERM');
    const response = await connection.read();
    expect(JSON.parse(response.body.toString()).slept).toBe(600);
    expect(response.header('connection')).toBe('close');
    await connection.closedByServer();
    expect(await exit).toBe(0);
  });
});

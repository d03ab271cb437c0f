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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, runCli, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { laneRequestRunning } from '../helpers/native-lane.js';
import { RawConnection } from '../helpers/raw-http.js';
import { serverStatus } from '../helpers/status.js';

// The native lane (docs/ARCHITECTURE.md, "The native lane"): between requests, a plain keep-alive connection whose
// answer PHP wrote itself is read by the PHP thread. What it must keep of Node's front is in reused-connection.test.ts;
// here, that it is the one reading, and what it does in Node's place.

const hardeningWorker = fixture('workers', 'hardening.php');
const READ = { timeoutMs: 5000 };
// native/http/lane.h kLaneIdBase: the ids of the requests the lane read (PHP sees them as $request['id']).
const LANE_ID_BASE = 2 ** 50;

/** The ids PHP saw for `count` requests sent one after another on one keep-alive connection. */
async function idsOnOneConnection(server: RunningServer, count: number, headers = ''): Promise<number[]> {
  const connection = await RawConnection.open(server.port);
  try {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      connection.get(['/sleep?ms=0'], headers);
      const response = await connection.read(READ);
      expect(response.statusLine).toBe('HTTP/1.1 200 OK');
      ids.push((JSON.parse(response.body.toString()) as { id: number }).id);
      // Node lends the connection once it has finished its record of the answer, an event-loop turn later.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return ids;
  } finally {
    connection.close();
  }
}

describe('the native lane', () => {
  it('reads a keep-alive connection’s next requests on the PHP thread, by default', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
    try {
      const ids = await idsOnOneConnection(server, 4);
      expect(ids[0]).toBeLessThan(LANE_ID_BASE); // the first request of a connection is Node's
      for (const id of ids.slice(1)) expect(id).toBeGreaterThan(LANE_ID_BASE);
    } finally {
      await server.stop();
    }
  });

  for (const [what, headers] of [
    ['says Connection: keep-alive, as most do', 'Connection: keep-alive\r\n'],
    ['takes gzip while their answers are too small to compress', 'Accept-Encoding: gzip, deflate, br\r\n'],
  ]) {
    it(`reads the requests of a client that ${what}`, async () => {
      const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
      try {
        const ids = await idsOnOneConnection(server, 4, headers);
        for (const id of ids.slice(1)) expect(id).toBeGreaterThan(LANE_ID_BASE);
      } finally {
        await server.stop();
      }
    });
  }

  it('is off with --no-native-lane: Node reads every request', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1', '--no-native-lane']);
    try {
      for (const id of await idsOnOneConnection(server, 4)) expect(id).toBeLessThan(LANE_ID_BASE);
    } finally {
      await server.stop();
    }
  });
});

describe('a request the lane read that PHP runs past request_timeout', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--worker', hardeningWorker, '--workers', '1', '--request-timeout', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The 504 on a connection whose first request is the slow one (Node read it), or its second (the lane did). */
  async function timedOut(second: boolean) {
    const connection = await RawConnection.open(server.port);
    try {
      if (second) {
        connection.get(['/pid']);
        expect((await connection.read({ timeoutMs: 15_000 })).statusLine).toBe('HTTP/1.1 200 OK');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      connection.get(['/sleep?ms=3000']);
      const answer = await connection.read({ timeoutMs: 15_000 });
      // The stuck worker is replaced; the connection goes on, to its replacement.
      connection.get(['/pid']);
      const next = await connection.read({ timeoutMs: 15_000 });
      return {
        statusLine: answer.statusLine,
        body: answer.body.toString(),
        type: answer.header('content-type'),
        connection: answer.header('connection'),
        requestId: /^[0-9a-f-]{36}$/.test(answer.header('x-request-id') ?? ''),
        next: next.statusLine,
      };
    } finally {
      connection.close();
    }
  }

  it('gets the 504 Node gives, with its request id, and the connection goes on', async () => {
    const byNode = await timedOut(false);
    expect(byNode).toMatchObject({ statusLine: 'HTTP/1.1 504 Gateway Timeout', requestId: true });
    expect(await timedOut(true)).toEqual(byNode);
  });
});

describe('a request the lane read while PHP runs it', () => {
  it('counts as in flight in `ephpm status`', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
    try {
      const { connection } = await laneRequestRunning(server.port, '/sleep?ms=2000');
      const { workers } = await serverStatus(server);
      expect(workers.map((worker) => worker.inFlight)).toEqual([1]);
      expect((await connection.read({ timeoutMs: 15_000 })).statusLine).toBe('HTTP/1.1 200 OK');
      connection.close();
    } finally {
      await server.stop();
    }
  });

  it('is answered when the server reloads meanwhile', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
    try {
      const { connection } = await laneRequestRunning(server.port, '/sleep?ms=1500');
      const reload = await runCli(['reload', '--state-file', server.stateFile]);
      expect(reload.code, reload.output).toBe(0);
      const answer = await connection.read({ timeoutMs: 15_000 });
      expect(answer.statusLine).toBe('HTTP/1.1 200 OK');
      connection.close();
    } finally {
      await server.stop();
    }
  });

  it('is answered when the server stops meanwhile, and the server exits', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
    const { connection } = await laneRequestRunning(server.port, '/sleep?ms=1500');
    const stopped = server.stop();
    const answer = await connection.read({ timeoutMs: 15_000 });
    expect(answer.statusLine).toBe('HTTP/1.1 200 OK');
    expect(await stopped).toBe(0);
    connection.close();
  });

  it('serves the connections Node reads and the lent ones in the order their requests arrived', async () => {
    // Eight clients whose connections the lane reads, each sending its next request once it has the answer, and one
    // that keeps two POSTs (only Node reads those) in flight: 10 requests waiting at any time, 2 of them the POST
    // client's. In arrival order it gets about a fifth of PHP's answers. Served in turns, Node's queue against the
    // lane, it got every other one, and the eight waited twice as long.
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1']);
    try {
      const answered = { lane: 0, node: 0 };
      const until = Date.now() + 3000;
      const post = 'POST /sleep?ms=3 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n';
      const client = async (kind: 'lane' | 'node') => {
        const connection = await RawConnection.open(server.port);
        try {
          if (kind === 'node') connection.send(post);
          while (Date.now() < until) {
            if (kind === 'lane') connection.get(['/sleep?ms=3']);
            else connection.send(post);
            expect((await connection.read(READ)).statusLine).toBe('HTTP/1.1 200 OK');
            answered[kind]++;
          }
        } finally {
          connection.close();
        }
      };
      await Promise.all([client('node'), ...Array.from({ length: 8 }, () => client('lane'))]);
      const share = answered.node / (answered.node + answered.lane);
      expect(answered.lane + answered.node).toBeGreaterThan(200);
      expect(share).toBeGreaterThan(0.05); // and not starved: its stamp is when Node queued it, a little late
      expect(share).toBeLessThan(0.35);
    } finally {
      await server.stop();
    }
  }, 20_000);
});

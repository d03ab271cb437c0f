import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appWorker, getJson, startServer } from '../helpers/ephpm-server.js';
import { laneRequestRunning } from '../helpers/native-lane.js';
import { RawConnection } from '../helpers/raw-http.js';

// A request PHP has not started is not lost with its worker: once PHP has run one request for park_after_ms (10 by
// default, 0 = always), a worker leaves the next requests of its connections unread in the kernel, and the
// supervisor, which holds a copy of every connection, gives them to another worker when this one dies, or when its
// PHP is busy past handoff_after. A request read and not answered when its worker dies gets a 502.

type Outcome = { status: number; pid: number; at: number } | { error: string };

async function pidRequest(url: string): Promise<Outcome> {
  try {
    const response = await fetch(url);
    const body = await response.text();
    return {
      status: response.status,
      pid: response.ok ? (JSON.parse(body) as { pid: number }).pid : 0,
      at: Date.now(),
    };
  } catch (error) {
    return { error: String((error as { cause?: unknown }).cause ?? error) };
  }
}

const statuses = (outcomes: Outcome[]) =>
  outcomes.map((outcome) => ('status' in outcome ? outcome.status : outcome.error));

/** 20 requests sent while PHP on one of two workers runs `slowPath`; resolves with them and the slow answer. */
async function bystandersOf(flags: string[], slowPath: string) {
  const server = await startServer(['--worker', appWorker, '--workers', '2', ...flags]);
  try {
    const slow = fetch(`${server.url}${slowPath}`).then(async (response) => ({
      response,
      body: await response.text(),
      at: Date.now(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 200)); // PHP has taken it
    const bystanders = await Promise.all(Array.from({ length: 20 }, () => pidRequest(`${server.url}/sleep?ms=20`)));
    return { bystanders, slow: await slow, output: () => server.output(), waitFor: server.waitFor.bind(server) };
  } finally {
    await server.stop();
  }
}

describe('requests waiting for a worker that dies', () => {
  it('go to the other worker: all answered; the dying request gets a 502', async () => {
    const { bystanders, slow, output } = await bystandersOf([], '/crash?ms=500');
    expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
    expect(slow.response.status).toBe(502);
    expect(slow.body).toMatch(/worker running this request died/);
    expect(output()).toMatch(/exited unexpectedly \(SIGKILL\)/);
  }, 60_000);

  it('go to the other worker when they had been read and queued for PHP: the supervisor finds them in its journal', async () => {
    // The read gate never engages here: every request sent meanwhile is read and queued behind the dying one.
    const { bystanders, slow } = await bystandersOf(['--park-after-ms', '5000'], '/crash?ms=800');
    expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
    expect(slow.response.status).toBe(502);
  }, 60_000);

  it('go to the other worker when the dying request is one the native lane read', async () => {
    // The lane's requests are not in the journal; the ones Node read and queued behind it are, and must still move.
    const server = await startServer(['--worker', appWorker, '--workers', '2', '--park-after-ms', '5000']);
    try {
      const { connection } = await laneRequestRunning(server.port, '/crash?ms=800');
      const bystanders = await Promise.all(Array.from({ length: 20 }, () => pidRequest(`${server.url}/sleep?ms=20`)));
      const dying = await connection.read({ timeoutMs: 15_000 });
      connection.close();
      expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
      expect(dying.statusLine).toBe('HTTP/1.1 502 Bad Gateway');
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('with park_after_ms = 0 as well: none waiting was read', async () => {
    const { bystanders, slow } = await bystandersOf(['--park-after-ms', '0'], '/crash?ms=300');
    expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
    expect(slow.response.status).toBe(502);
  }, 60_000);
});

describe('requests waiting for a worker whose PHP runs a long request', () => {
  it('go to the idle worker after handoff_after, unread until then', async () => {
    const { bystanders, slow } = await bystandersOf(['--handoff-after', '1'], '/sleep?ms=8000');
    const busyPid = (JSON.parse(slow.body) as { pid: number }).pid;
    expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
    // None was read by the busy worker: all were answered by the other one, before the long request ended.
    for (const outcome of bystanders) {
      expect((outcome as { pid: number }).pid).not.toBe(busyPid);
      expect((outcome as { at: number }).at).toBeLessThan(slow.at);
    }
  }, 60_000);

  it('go to the idle worker after handoff_after when the long request is one the native lane read', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2', '--handoff-after', '1']);
    try {
      const { connection, firstAnswer } = await laneRequestRunning(server.port, '/sleep?ms=6000');
      const busyPid = (JSON.parse(firstAnswer.body.toString()) as { pid: number }).pid;
      const bystanders = await Promise.all(Array.from({ length: 20 }, () => pidRequest(`${server.url}/sleep?ms=20`)));
      expect((await connection.read({ timeoutMs: 15_000 })).statusLine).toBe('HTTP/1.1 200 OK');
      connection.close();
      const slowAt = Date.now();
      expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
      for (const outcome of bystanders) {
        expect((outcome as { pid: number }).pid).not.toBe(busyPid);
        expect((outcome as { at: number }).at).toBeLessThan(slowAt);
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('move from a keep-alive connection the native lane held, once PHP ran park_after_ms: answered by the idle worker', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2', '--handoff-after', '1']);
    const opened: RawConnection[] = [];
    try {
      // Keep-alive connections, each answered once (the lane holds them then), until two are on the same worker.
      const byPid = new Map<number, RawConnection>();
      let pair: { held: RawConnection; busy: RawConnection; pid: number } | null = null;
      while (!pair && opened.length < 10) {
        const connection = await RawConnection.open(server.port);
        opened.push(connection);
        connection.get(['/pid']);
        const { pid } = JSON.parse((await connection.read({ timeoutMs: 15_000 })).body.toString()) as { pid: number };
        const other = byPid.get(pid);
        if (other) pair = { held: other, busy: connection, pid };
        else byPid.set(pid, connection);
      }
      if (!pair) throw new Error('no two connections went to the same worker');
      await new Promise((resolve) => setTimeout(resolve, 50)); // both lent
      pair.busy.get(['/sleep?ms=5000']);
      // PHP runs it past park_after_ms: the gate engages, and the lane gives back the connection it holds.
      await new Promise((resolve) => setTimeout(resolve, 300));
      pair.held.get(['/pid']);
      const answer = await pair.held.read({ timeoutMs: 15_000 });
      expect(answer.statusLine).toBe('HTTP/1.1 200 OK');
      expect((JSON.parse(answer.body.toString()) as { pid: number }).pid).not.toBe(pair.pid);
    } finally {
      for (const connection of opened) connection.close();
      await server.stop();
    }
  }, 60_000);

  it('stay with it when handoff_after is longer than the request: answered by it, in turn', async () => {
    const { bystanders, slow } = await bystandersOf(['--handoff-after', '30'], '/sleep?ms=3000');
    const busyPid = (JSON.parse(slow.body) as { pid: number }).pid;
    expect(statuses(bystanders).filter((status) => status !== 200)).toEqual([]);
    const waitedForIt = bystanders.filter((outcome) => (outcome as { pid: number }).pid === busyPid);
    expect(waitedForIt.length).toBeGreaterThan(0);
    for (const outcome of waitedForIt) expect((outcome as { at: number }).at).toBeGreaterThanOrEqual(slow.at);
  }, 60_000);
});

describe('requests a busy worker read before its gate engaged', () => {
  it('are taken back from PHP and given, whole, to the idle worker after handoff_after', async () => {
    const server = await startServer([
      '--worker',
      appWorker,
      '--workers',
      '2',
      '--park-after-ms',
      '5000',
      '--handoff-after',
      '1',
    ]);
    try {
      const slow = fetch(`${server.url}/sleep?ms=6000`).then(async (response) => ({
        status: response.status,
        at: Date.now(),
      }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const sent = Array.from({ length: 12 }, (_, i) => `body of request ${i} ` + 'x'.repeat(i * 100));
      const answers = await Promise.all(
        sent.map(async (body, i) => {
          const response = await fetch(`${server.url}/request?i=${i}`, {
            method: 'POST',
            body,
            headers: { 'X-Probe': String(i), 'Content-Type': 'text/plain' },
          });
          return {
            status: response.status,
            at: Date.now(),
            seen: (await response.json()) as {
              method: string;
              uri: string;
              headers: Record<string, string>;
              body_md5: string;
            },
          };
        }),
      );
      const { at: slowAt, status: slowStatus } = await slow;
      expect(slowStatus).toBe(200);
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200);
        expect(answer.at).toBeLessThan(slowAt);
        expect(answer.seen).toMatchObject({
          method: 'POST',
          uri: `/request?i=${i}`,
          body_md5: createHash('md5').update(sent[i]!).digest('hex'),
        });
        expect(answer.seen.headers['x-probe']).toBe(String(i));
      });
      expect(server.output()).not.toMatch(/ 400 /);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('a worker with its queue limit', () => {
  it('still answers 503 for what waits past queue_size, read or not', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--queue-size', '1']);
    try {
      const long = getJson<{ slept: number }>(`${server.url}/sleep?ms=2000`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const waiting = await Promise.all(Array.from({ length: 5 }, () => pidRequest(`${server.url}/sleep?ms=10`)));
      expect((await long).slept).toBe(2000);
      const answered = statuses(waiting);
      expect(answered.filter((status) => status === 503).length).toBeGreaterThanOrEqual(3);
      expect(answered.filter((status) => status !== 200 && status !== 503)).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { call, TABLES, tableCli, tablesWorker } from '../helpers/tables.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

// EPHPM_TABLE_TEST_HOOKS=1 gives PHP \Ephpm\Octane\Testing\pause_next_table_write():
// the next row write stops after its first column, holding the row's lock,
// and prints a line; the test then SIGKILLs that worker process.

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', tablesWorker, '--workers', '2', '--tables', TABLES], {
    env: { EPHPM_TABLE_TEST_HOOKS: '1' },
  });
});

afterAll(async () => {
  await server?.stop();
});

function waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const streams = [server.child.stdout!, server.child.stderr!];
    const check = () => {
      const match = pattern.exec(server.output());
      if (match) done(() => resolve(match));
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`no ${pattern} in the server output:\n${server.output()}`))),
      timeoutMs,
    );
    const done = (then: () => void) => {
      clearTimeout(timer);
      for (const stream of streams) stream.off('data', check);
      then();
    };
    for (const stream of streams) stream.on('data', check);
    check();
  });
}

/** Starts a write that pauses half-way, kills its worker process, and returns its pid. */
async function killMidWrite(key: string): Promise<number> {
  const request = fetch(`${server.url}/crash-set?key=${key}`).then(
    (response) => response.status,
    () => 'connection lost',
  );
  const [, pid] = await waitForOutput(new RegExp(`pid (\\d+) paused mid-write of key \\[${key}\\]`));
  process.kill(Number(pid), 'SIGKILL');
  expect(await request).not.toBe(200);
  await bothWorkersServingWithout(Number(pid));
  return Number(pid);
}

// The next kill must not find the other worker alone (or the port without any worker).
async function bothWorkersServingWithout(killed: number): Promise<void> {
  await waitFor(async () => {
    const { workers } = await serverStatus(server);
    return workers.filter((w) => w.state === 'serving' && w.pid !== killed).length === 2;
  }, 'the killed worker to be replaced');
}

describe('a worker killed in the middle of writing a row', () => {
  it('leaves the old row whole and the table unlocked', async () => {
    await call(server, 'users', 'set', ['victim', { name: 'old-name', votes: 1, score: 0.5 }]);
    await killMidWrite('victim');

    const dump = await tableCli(server, ['table:dump', 'users', '--key', 'victim', '--json']);
    expect(JSON.parse(dump.output).rows).toEqual([
      { key: 'victim', values: { name: 'old-name', votes: 1, score: 0.5 } },
    ]);
    expect(await call(server, 'users', 'get', ['victim'])).toEqual({ name: 'old-name', votes: 1, score: 0.5 });
    expect(await call(server, 'users', 'count')).toBe(1);
    // Usable: the same row can be written again, by any worker.
    expect(await call(server, 'users', 'set', ['victim', { name: 'after', votes: 2 }])).toBe(true);
    expect(await call(server, 'users', 'incr', ['victim', 'votes'])).toBe(3);
    expect(await call(server, 'users', 'get', ['victim'])).toEqual({ name: 'after', votes: 3, score: 0.5 });
    await call(server, 'users', 'del', ['victim']);
  });

  it('adding a new key: the half-made row never appears and its slot is free again', async () => {
    await killMidWrite('newcomer');
    expect(await call(server, 'users', 'exists', ['newcomer'])).toBe(false);
    expect(await call(server, 'users', 'count')).toBe(0);
    expect(await call(server, 'users', 'foreach')).toEqual([]);
    // All 4 rows of the table can still be used.
    for (const key of ['a', 'b', 'c', 'newcomer'])
      expect(await call(server, 'users', 'set', [key, { votes: 1 }])).toBe(true);
    expect(await call(server, 'users', 'count')).toBe(4);
  });
});

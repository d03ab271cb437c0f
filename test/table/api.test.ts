import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { call, op, TABLES, tablesWorker } from '../helpers/tables.js';

// Every operation of Ephpm\Octane\Table and every error, through the real
// embedded runtime over HTTP, with two worker processes sharing the tables.

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', tablesWorker, '--workers', '2', '--tables', TABLES]);
});

afterAll(async () => {
  await server?.stop();
});

/** Asks until a worker other than `pid` answers (cluster round-robin alternates). */
async function fromOtherWorker(pid: number, table: string, name: string, args: unknown[]) {
  for (let i = 0; i < 20; i++) {
    const reply = await op(server, table, name, args);
    if (reply.pid !== pid) return reply;
  }
  throw new Error(`worker ${pid} answered every request`);
}

describe('a shared table, from PHP', () => {
  it('set() in one worker process is what get() returns in the other, with int, float and string types kept', async () => {
    const written = await op(server, 'users', 'set', ['ann', { name: 'Ann', votes: 3, score: 1.5 }]);
    expect(written.result).toBe(true);
    const read = await fromOtherWorker(written.pid, 'users', 'get', ['ann']);
    expect(read.result).toEqual({ name: 'Ann', votes: 3, score: 1.5 });
    expect(await call(server, 'users', 'get', ['ann', 'name'])).toBe('Ann');
    expect(await call(server, 'users', 'get', ['ann', 'score'])).toBe(1.5);
    expect(await call(server, 'users', 'get', ['nobody'])).toBe(false);
    expect(await call(server, 'users', 'get', ['nobody', 'name'])).toBe(false);
    await call(server, 'users', 'del', ['ann']);
  });

  it('set() on an existing row changes only the columns given; a new row starts from zero values', async () => {
    await call(server, 'users', 'set', ['partial', { name: 'Pat', votes: 7, score: 2.5 }]);
    await call(server, 'users', 'set', ['partial', { votes: 8 }]);
    expect(await call(server, 'users', 'get', ['partial'])).toEqual({ name: 'Pat', votes: 8, score: 2.5 });
    await call(server, 'users', 'set', ['fresh', { name: 'Fred' }]);
    expect(await call(server, 'users', 'get', ['fresh'])).toEqual({ name: 'Fred', votes: 0, score: 0.0 });
    // Scalars convert like Swoole's: numeric strings to numbers, numbers to strings.
    await call(server, 'users', 'set', ['fresh', { name: 42, votes: '12', score: 3 }]);
    expect(await call(server, 'users', 'get', ['fresh'])).toEqual({ name: '42', votes: 12, score: 3.0 });
    expect(await call(server, 'users', 'del', ['partial'])).toBe(true);
    expect(await call(server, 'users', 'del', ['fresh'])).toBe(true);
  });

  it('exists(), exist(), del(), count() and foreach', async () => {
    await call(server, 'counters', 'set', ['a', { value: 1 }]);
    await call(server, 'counters', 'set', ['b', { value: 2 }]);
    expect(await call(server, 'counters', 'exists', ['a'])).toBe(true);
    expect(await call(server, 'counters', 'exist', ['b'])).toBe(true);
    expect(await call(server, 'counters', 'exists', ['c'])).toBe(false);
    expect(await call(server, 'counters', 'count')).toBe(2);
    expect(await call(server, 'counters', 'count()')).toBe(2);
    expect(await call(server, 'counters', 'foreach')).toEqual({ a: { value: 1 }, b: { value: 2 } });
    expect(await call(server, 'counters', 'del', ['a'])).toBe(true);
    expect(await call(server, 'counters', 'del', ['a'])).toBe(false);
    expect(await call(server, 'counters', 'exists', ['a'])).toBe(false);
    expect(await call(server, 'counters', 'foreach')).toEqual({ b: { value: 2 } });
    await call(server, 'counters', 'del', ['b']);
    expect(await call(server, 'counters', 'count')).toBe(0);
  });

  it('incr() and decr() return the new value, on int and float columns, and create a missing row', async () => {
    expect(await call(server, 'counters', 'incr', ['n', 'value'])).toBe(1);
    expect(await call(server, 'counters', 'incr', ['n', 'value', 10])).toBe(11);
    expect(await call(server, 'counters', 'decr', ['n', 'value'])).toBe(10);
    expect(await call(server, 'counters', 'decr', ['n', 'value', 15])).toBe(-5);
    expect(await call(server, 'users', 'incr', ['carl', 'score', 0.25])).toBe(0.25);
    expect(await call(server, 'users', 'decr', ['carl', 'score', 1])).toBe(-0.75);
    expect(await call(server, 'users', 'get', ['carl'])).toEqual({ name: '', votes: 0, score: -0.75 });
    await call(server, 'counters', 'del', ['n']);
    await call(server, 'users', 'del', ['carl']);
  });

  it('getSize() is the declared row count and getMemorySize() the shared memory the table takes', async () => {
    expect(await call(server, 'users', 'getSize')).toBe(4);
    expect(await call(server, 'users', 'getMemorySize')).toBeGreaterThan(4 * (16 + 8 + 8));
    const reply = (await (await fetch(`${server.url}/tables`)).json()) as { tables: Record<string, { size: number }> };
    expect(Object.keys(reply.tables)).toEqual(['users', 'counters']);
    expect(reply.tables.counters!.size).toBe(10);
  });

  it('a full table refuses new keys with an exception naming the table and its rows, and still updates existing ones', async () => {
    for (const key of ['k1', 'k2', 'k3', 'k4']) await call(server, 'users', 'set', [key, { votes: 1 }]);
    for (const attempt of [
      op(server, 'users', 'set', ['k5', { votes: 1 }]),
      op(server, 'users', 'incr', ['k5', 'votes']),
    ]) {
      const { error } = await attempt;
      expect(error?.class).toBe('Ephpm\\Octane\\TableException');
      expect(error?.message).toBe(
        'Table [users] is full: it holds 4 rows, so key [k5] was not added. Give it more rows in its definition, e.g. "users:8".',
      );
    }
    expect(await call(server, 'users', 'set', ['k4', { votes: 2 }])).toBe(true);
    expect(await call(server, 'users', 'count')).toBe(4);
    expect(await call(server, 'users', 'del', ['k1'])).toBe(true);
    expect(await call(server, 'users', 'set', ['k5', { votes: 5 }])).toBe(true);
    for (const key of ['k2', 'k3', 'k4', 'k5']) await call(server, 'users', 'del', [key]);
  });
});

describe('a shared table refuses bad input', () => {
  it("a string longer than its column throws Octane's ValueTooLargeForColumnException when Octane is installed, ephpm's otherwise, and writes nothing", async () => {
    await call(server, 'users', 'set', ['long', { name: 'short', votes: 1 }]);
    const tooLong = 'x'.repeat(17);
    const withoutOctane = await op(server, 'users', 'set', ['long', { votes: 2, name: tooLong }]);
    expect(withoutOctane.error?.class).toBe('Ephpm\\Octane\\ValueTooLargeForColumnException');
    expect(withoutOctane.error?.parents).toEqual([
      'Ephpm\\Octane\\InvalidTableArgument',
      'InvalidArgumentException',
      'LogicException',
      'Exception',
    ]);
    expect(withoutOctane.error?.message).toBe(
      'Value [xxxxxxxxxxxxxxxxx...] is too large for [name] column. It is 17 bytes; column [name] of table [users] holds at most 16.',
    );
    expect(await call(server, 'users', 'get', ['long'])).toEqual({ name: 'short', votes: 1, score: 0.0 });

    // Each worker loads the class on its first throw, so ask both.
    const pids = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const withOctane = await op(server, 'users', 'set', ['long', { name: tooLong }], true);
      expect(withOctane.error?.class).toBe('Laravel\\Octane\\Exceptions\\ValueTooLargeForColumnException');
      pids.add(withOctane.pid);
    }
    expect(pids.size).toBe(2);
    expect(await call(server, 'users', 'set', ['long', { name: 'x'.repeat(16) }])).toBe(true);
    await call(server, 'users', 'del', ['long']);
  });

  it('a key longer than 63 bytes, or an empty one, is refused by every method', async () => {
    const key = 'k'.repeat(64);
    for (const [name, args] of [
      ['set', [key, { votes: 1 }]],
      ['get', [key]],
      ['exists', [key]],
      ['del', [key]],
      ['incr', [key, 'votes']],
    ] as const) {
      const { error } = await op(server, 'users', name, [...args]);
      expect(error?.class).toBe('Ephpm\\Octane\\InvalidTableArgument');
      expect(error?.message).toBe(`Key [${'k'.repeat(20)}...] is 64 bytes; table [users] keys hold at most 63 bytes.`);
    }
    expect((await op(server, 'users', 'get', [''])).error?.message).toBe('Table [users]: a key must not be empty.');
    expect(await call(server, 'users', 'set', ['k'.repeat(63), { votes: 1 }])).toBe(true);
    expect(await call(server, 'users', 'del', ['k'.repeat(63)])).toBe(true);
  });

  it('an unknown column is refused by set(), get() and incr(), naming the columns there are', async () => {
    const message = 'Table [users] has no column [nme]; its columns: name, votes, score.';
    for (const [name, args] of [
      ['set', ['u', { nme: 'x' }]],
      ['get', ['u', 'nme']],
      ['incr', ['u', 'nme']],
    ] as const) {
      const { error } = await op(server, 'users', name, [...args]);
      expect(error).toMatchObject({ class: 'Ephpm\\Octane\\InvalidTableArgument', message });
    }
    expect(await call(server, 'users', 'exists', ['u'])).toBe(false);
  });

  it('values of the wrong type are refused, not truncated', async () => {
    const cases: Array<[unknown[], string, string]> = [
      [['u', { votes: 'many' }], 'TypeError', 'Column [votes] of table [users] takes an int, string given'],
      [
        ['u', { votes: 1.5 }],
        'Ephpm\\Octane\\InvalidTableArgument',
        'Column [votes] of table [users] holds integers; 1.5 is not a whole number.',
      ],
      [['u', { name: ['a'] }], 'TypeError', 'Column [name] of table [users] takes a string, array given'],
      [['u', { score: 'x' }], 'TypeError', 'Column [score] of table [users] takes a float, string given'],
    ];
    for (const [args, errorClass, message] of cases) {
      expect((await op(server, 'users', 'set', args)).error).toMatchObject({ class: errorClass, message });
    }
    expect((await op(server, 'users', 'incr', ['u', 'name'])).error?.message).toBe(
      'Column [name] of table [users] is a string column; incr() works on int and float columns.',
    );
    expect((await op(server, 'users', 'incr', ['u', 'votes', 0.5])).error?.message).toBe(
      'Column [votes] of table [users] holds integers; 0.5 is not a whole number.',
    );
    expect(await call(server, 'users', 'exists', ['u'])).toBe(false);
  });

  it('an unknown table is refused, naming the tables there are; tables cannot be constructed by hand', async () => {
    const { error } = await op(server, 'nope', 'get', ['x']);
    expect(error).toMatchObject({
      class: 'Ephpm\\Octane\\TableException',
      message: 'No table [nope]; the tables this server defines: users, counters.',
    });
    const made = (await (await fetch(`${server.url}/new`)).json()) as { error: { class: string; message: string } };
    expect(made.error.message).toMatch(/Call to private Ephpm\\Octane\\Table::__construct\(\)/);
  });
});

import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { onLaravel } from '../helpers/laravel-app.js';
import { runCli } from '../helpers/ephpm-server.js';
import { onNewConnection } from '../helpers/http-client.js';
import { octaneForTests } from '../helpers/octane-server.js';
import { tableCall, tableOp } from '../helpers/octane-primitives.js';

// Octane::table() in a Laravel app started with `php artisan octane:start --server=ephpm`: the tables of
// config('octane.tables') (test/fixtures/laravel/app/Providers/OctanePrimitivesServiceProvider.php), as laravel/octane's
// own tests (tests/TableTest.php) expect them to behave under Swoole, over real HTTP with two request workers.

const skip = octaneUnavailableReason();

// laravel/octane's TableTest: a string:10 column takes these...
const VALID_STRINGS = [
  'a'.repeat(10),
  'taylortayl',
  '手 田日',
  '! p8VrB[]{',
  'N Rs*Gz2@h',
  'O:29:"Illu',
  ' '.repeat(10),
];
// ...and refuses these, each one byte too long.
const TOO_LARGE_STRINGS = [
  'a'.repeat(11),
  'taylortaylo',
  '手 田日尸',
  '! p8VrB[]{@',
  'N Rs*Gz2@hS',
  'O:29:"Illum',
  ' '.repeat(11),
];
/** PHP's substr($value, 0, 20): the first 20 bytes. */
const first20Bytes = (value: string) => Buffer.from(value).subarray(0, 20).toString();

describe.skipIf(skip)(`${onLaravel('Octane::table() in a Laravel app')}${skip ? ` — SKIPPED: ${skip}` : ''}`, () => {
  const octane = octaneForTests(['--workers=2', '--task-workers=0', '--max-requests=0']);

  it("makes the tables of config('octane.tables'), sized in bytes, and the octane.cache table; ephpm table:list in the app shows them", async () => {
    const { code, stdout } = await runCli(['table:list', '--json'], { cwd: octane.app });
    expect(code).toBe(0);
    const tables = (
      JSON.parse(stdout) as {
        tables: Array<{ name: string; rows: number; columns: Array<{ name: string; type: string; size: number }> }>;
      }
    ).tables;
    expect(tables.map((table) => `${table.name}:${table.rows}`).sort()).toEqual([
      'example:1000',
      'markers:100',
      'octane.cache:1000',
      'parity:1000',
      'users:1000',
    ]);
    expect(tables.find((table) => table.name === 'users')!.columns).toEqual([
      { name: 'name', type: 'string', size: 64 },
      { name: 'votes', type: 'int', size: 8 },
      { name: 'score', type: 'float', size: 8 },
    ]);
    expect(tables.find((table) => table.name === 'octane.cache')!.columns[0]).toEqual({
      name: 'value',
      type: 'string',
      size: 10_000,
    });
  });

  it('set, get, get one field, exists, incr, decr, count, foreach and del, one worker reading what the other wrote, through the facade and the octane binding', async () => {
    const written = await tableOp(octane.url, 'users', 'set', ['ann', { name: 'Ann', votes: 3, score: 1.5 }]);
    expect(written.result).toBe(true);
    const read = await tableOp(octane.url, 'users', 'get', ['ann'], { via: 'binding' });
    expect(read.pid).not.toBe(written.pid);
    expect(read.result).toEqual({ name: 'Ann', votes: 3, score: 1.5 });
    expect(await tableCall(octane.url, 'users', 'get', ['ann', 'name'])).toBe('Ann');
    expect(await tableCall(octane.url, 'users', 'get', ['nobody'])).toBe(false);
    expect(await tableCall(octane.url, 'users', 'exists', ['ann'])).toBe(true);
    expect(await tableCall(octane.url, 'users', 'incr', ['ann', 'votes'])).toBe(4);
    expect(await tableCall(octane.url, 'users', 'incr', ['ann', 'votes', 10])).toBe(14);
    expect(await tableCall(octane.url, 'users', 'decr', ['ann', 'votes', 4])).toBe(10);
    expect(await tableCall(octane.url, 'users', 'incr', ['ann', 'score', 0.25])).toBe(1.75);
    expect(await tableCall(octane.url, 'users', 'set', ['bo', { name: 'Bo' }])).toBe(true);
    expect(await tableCall(octane.url, 'users', 'count')).toBe(2);
    expect(await tableCall(octane.url, 'users', 'foreach')).toEqual({
      ann: { name: 'Ann', votes: 10, score: 1.75 },
      bo: { name: 'Bo', votes: 0, score: 0 },
    });
    expect(await tableCall(octane.url, 'users', 'del', ['ann'])).toBe(true);
    expect(await tableCall(octane.url, 'users', 'del', ['bo'])).toBe(true);
    expect(await tableCall(octane.url, 'users', 'exists', ['ann'])).toBe(false);
    expect(await tableCall(octane.url, 'users', 'count')).toBe(0);
  });

  it.each(VALID_STRINGS)(
    "stores a string that fits its column byte for byte (Octane's test_set_of_string_columns): %j",
    async (value) => {
      expect(await tableCall(octane.url, 'parity', 'set', ['key', { string: value }])).toBe(true);
      expect(await tableCall(octane.url, 'parity', 'get', ['key', 'string'])).toBe(value);
    },
  );

  it.each(TOO_LARGE_STRINGS)(
    "refuses a string too long for its column with Octane's ValueTooLargeForColumnException and Octane's message (test_ensures_string_sizes): %j",
    async (value) => {
      await tableCall(octane.url, 'parity', 'set', ['key', { string: 'before' }]);
      const { error } = await tableOp(octane.url, 'parity', 'set', ['key', { string: value }]);
      expect(error?.class).toBe('Laravel\\Octane\\Exceptions\\ValueTooLargeForColumnException');
      expect(error?.message.startsWith(`Value [${first20Bytes(value)}...] is too large for [string] column.`)).toBe(
        true,
      );
      expect(await tableCall(octane.url, 'parity', 'get', ['key', 'string'])).toBe('before');
    },
  );

  it('skips columns the table does not declare, as Swoole does (test_ensures_string_sizes_only_on_declared_columns)', async () => {
    expect(
      await tableCall(octane.url, 'parity', 'set', ['key', { 'non-existing-column': 'foo', string: 'declared' }]),
    ).toBe(true);
    expect(await tableCall(octane.url, 'parity', 'get', ['key'])).toEqual({ string: 'declared', int: 0 });
  });

  it('keeps a large int exactly in an int column (test_ensures_string_sizes_only_on_string_types)', async () => {
    expect(await tableCall(octane.url, 'parity', 'set', ['key', { int: 1_000_000_000_000_000_000 }])).toBe(true);
    expect(await tableCall(octane.url, 'parity', 'get', ['key', 'int'])).toBe(1_000_000_000_000_000_000);
  });

  it('truncates a fraction given for an int column, in set() and incr(), as Swoole does', async () => {
    await tableCall(octane.url, 'users', 'set', ['frac', { votes: 2.9 }]);
    expect(await tableCall(octane.url, 'users', 'get', ['frac', 'votes'])).toBe(2);
    expect(await tableCall(octane.url, 'users', 'incr', ['frac', 'votes', 1.7])).toBe(3);
    await tableCall(octane.url, 'users', 'del', ['frac']);
  });

  it('holds exactly as many rows as declared: a 1000-row table takes 1000 keys, refuses the 1001st naming the table, and still updates its rows', async () => {
    await tableCall(octane.url, 'parity', 'del', ['key']);
    const fill = await tableCall<{ written: number; class?: string; message?: string }>(
      octane.url,
      'parity',
      'fill',
      [1000],
    );
    expect(fill).toEqual({ written: 1000 });
    expect(await tableCall(octane.url, 'parity', 'count')).toBe(1000);
    const { error } = await tableOp(octane.url, 'parity', 'set', ['row-1000', { int: 1 }]);
    expect(error).toEqual({
      class: 'Ephpm\\Octane\\TableException',
      message: expect.stringMatching(
        /^Table \[parity\] is full: it holds 1000 rows, so key \[row-1000\] was not added\./,
      ),
    });
    expect(await tableCall(octane.url, 'parity', 'set', ['row-999', { int: -1 }])).toBe(true);
    expect(await tableCall(octane.url, 'parity', 'get', ['row-999', 'int'])).toBe(-1);
  });

  it('refuses, where Swoole would lose or mix up data or warn: a key over 63 bytes, an unknown field or column to read or count on, incr on a string, a non-numeric string for a number', async () => {
    const cases: Array<[string, unknown[], string, RegExp]> = [
      [
        'set',
        ['k'.repeat(64), { votes: 1 }],
        'Ephpm\\Octane\\InvalidTableArgument',
        /^Key \[k{20}\.\.\.\] is 64 bytes; table \[users\] keys hold at most 63 bytes\.$/,
      ],
      [
        'get',
        ['ann', 'nme'],
        'Ephpm\\Octane\\InvalidTableArgument',
        /^Table \[users\] has no column \[nme\]; its columns: name, votes, score\.$/,
      ],
      ['incr', ['ann', 'nme'], 'Ephpm\\Octane\\InvalidTableArgument', /has no column \[nme\]/],
      [
        'incr',
        ['ann', 'name'],
        'Ephpm\\Octane\\InvalidTableArgument',
        /is a string column; incr\(\) works on int and float columns/,
      ],
      [
        'set',
        ['ann', { votes: 'many' }],
        'TypeError',
        /^Column \[votes\] of table \[users\] takes an int, string given$/,
      ],
    ];
    for (const [op, args, errorClass, message] of cases) {
      const { error } = await tableOp(octane.url, 'users', op, args);
      expect(error?.class, `${op} ${JSON.stringify(args)}`).toBe(errorClass);
      expect(error?.message, `${op} ${JSON.stringify(args)}`).toMatch(message);
    }
    expect(await tableCall(octane.url, 'users', 'exists', ['ann'])).toBe(false);
  });

  it('says which tables there are when asked for one the app did not configure', async () => {
    const { error } = await tableOp(octane.url, 'sessions', 'get', ['x']);
    expect(error).toEqual({
      class: 'Ephpm\\Octane\\TableException',
      message: 'No table [sessions]; the tables this server defines: example, users, parity, markers, octane.cache.',
    });
  });

  it('counts exactly under 2 workers incrementing one row at once, and ephpm table:dump users in the app shows the count', async () => {
    const loops = await Promise.all(
      [1, 2].map(() => onNewConnection<{ pid: number }>(`${octane.url}/table-incr-loop?n=5000&workers=2`)),
    );
    // Both met at the barrier, so both incremented at the same time, each in its own process.
    expect(loops.map((loop) => loop.status)).toEqual([200, 200]);
    expect(loops[0]!.json.pid).not.toBe(loops[1]!.json.pid);
    expect(await tableCall(octane.url, 'users', 'get', ['hits', 'votes'])).toBe(10_000);
    const dump = await runCli(['table:dump', 'users', '--key', 'hits', '--json'], { cwd: octane.app });
    expect(JSON.parse(dump.stdout)).toMatchObject({ rows: [{ key: 'hits', values: { votes: 10_000 } }] });
    const shown = await runCli(['table:dump', 'users', '--key', 'hits'], { cwd: octane.app });
    expect(shown.stdout).toMatch(/^hits\s+10000\s+0$/m);
  });
});

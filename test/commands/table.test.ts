import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { call, op, TABLES, tableCli, tablesWorker } from '../helpers/tables.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', tablesWorker, '--workers', '2', '--tables', TABLES]);
  await call(server, 'users', 'set', ['ann', { name: 'Ann', votes: 3, score: 1.5 }]);
  await call(server, 'users', 'set', ['bob', { name: 'Bob "B", Jr.', votes: -2 }]);
  await call(server, 'users', 'set', ['cy', { name: '', votes: 9_007_199_254_740_994, score: 0.25 }]);
  await call(server, 'counters', 'incr', ['hits', 'value', 5]);
});

afterAll(async () => {
  await server?.stop();
});

const byKey = (rows: Array<{ key: string }>) => [...rows].sort((a, b) => a.key.localeCompare(b.key));

describe('ephpm table:list', () => {
  it('shows each table with rows used, capacity, memory and columns', async () => {
    const result = await tableCli(server, ['table:list']);
    expect(result.code).toBe(0);
    const lines = result.output.trim().split('\n');
    expect(lines[0]).toMatch(/^TABLE\s+ROWS\s+CAPACITY\s+MEMORY\s+COLUMNS$/);
    expect(lines[1]).toMatch(/^users\s+3\s+4\s+[\d.]+ KB\s+name string:16, votes int, score float$/);
    expect(lines[2]).toMatch(/^counters\s+1\s+10\s+[\d.]+ KB\s+value int$/);
  });

  it('--json gives the schema read from the shared memory', async () => {
    const list = JSON.parse((await tableCli(server, ['table:list', '--json'])).output);
    expect(list.pid).toBe(server.child.pid);
    expect(list.tables[0]).toMatchObject({
      name: 'users',
      rows: 4,
      used: 3,
      columns: [
        { name: 'name', type: 'string', size: 16 },
        { name: 'votes', type: 'int', size: 8 },
        { name: 'score', type: 'float', size: 8 },
      ],
    });
    expect(list.tables[0].bytes).toBeGreaterThan(0);
  });
});

describe('ephpm table:dump', () => {
  it('prints the rows filled over HTTP as an aligned table', async () => {
    const result = await tableCli(server, ['table:dump', 'users']);
    expect(result.code).toBe(0);
    const lines = result.output.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+name\s+votes\s+score$/);
    expect(lines.slice(1, 4).sort()).toEqual([
      expect.stringMatching(/^ann\s+Ann\s+3\s+1\.5$/),
      expect.stringMatching(/^bob\s+Bob "B", Jr\.\s+-2\s+0$/),
      expect.stringMatching(/^cy\s+9007199254740994\s+0\.25$/),
    ]);
    const votesColumn = lines[0]!.indexOf('votes');
    for (const line of lines.slice(1, 4)) expect(line[votesColumn - 1]).toBe(' ');
    expect(lines[4]).toBe('3 of 3 rows (capacity 4)');
  });

  it('--json keeps types (ints past 2^53 as exact decimal strings)', async () => {
    const dump = JSON.parse((await tableCli(server, ['table:dump', 'users', '--json'])).output);
    expect(dump.table.name).toBe('users');
    expect(byKey(dump.rows)).toEqual([
      { key: 'ann', values: { name: 'Ann', votes: 3, score: 1.5 } },
      { key: 'bob', values: { name: 'Bob "B", Jr.', votes: -2, score: 0 } },
      { key: 'cy', values: { name: '', votes: '9007199254740994', score: 0.25 } },
    ]);
  });

  it('--csv quotes what needs quoting', async () => {
    const result = await tableCli(server, ['table:dump', 'users', '--csv']);
    const [header, ...rows] = result.output.trimEnd().split('\n');
    expect(header).toBe('key,name,votes,score');
    expect(rows.sort()).toEqual(['ann,Ann,3,1.5', 'bob,"Bob ""B"", Jr.",-2,0', 'cy,,9007199254740994,0.25']);
  });

  it('--limit and --key', async () => {
    const limited = await tableCli(server, ['table:dump', 'users', '--limit', '2']);
    expect(limited.output).toMatch(/2 of 3 rows \(capacity 4\)/);
    expect(limited.output.trimEnd().split('\n')).toHaveLength(4);
    const one = JSON.parse((await tableCli(server, ['table:dump', 'users', '--key', 'bob', '--json'])).output);
    expect(one.rows).toEqual([{ key: 'bob', values: { name: 'Bob "B", Jr.', votes: -2, score: 0 } }]);
    const missing = await tableCli(server, ['table:dump', 'users', '--key', 'zed']);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/Table "users" has no row with the key "zed"\./);
  });

  it('an unknown table is an error that lists the tables there are', async () => {
    const result = await tableCli(server, ['table:dump', 'nope']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(
      new RegExp(`The server \\(pid ${server.child.pid}\\) has no table "nope"\\. Its tables: users, counters\\.`),
    );
    expect(result.output).toMatch(/try: List them with: ephpm table:list/);
  });

  it('--cluster on a server without cluster mode says how to turn it on, and prints no rows', async () => {
    const result = await tableCli(server, ['table:dump', 'users', '--cluster']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/This server runs without cluster mode: its tables have no copy in Redis\./);
    expect(result.output).toMatch(
      /try: Add \[cluster\] redis = "redis:\/\/host:6379" to ephpm\.toml \(or set EPHPM_CLUSTER_REDIS\) and restart it\./,
    );
    expect(result.output).not.toMatch(/\bann\b/);
  });

  it('--csv and --json together are refused', async () => {
    const result = await tableCli(server, ['table:dump', 'users', '--csv', '--json']);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/--json=true cannot also be provided when using --csv/);
  });
});

describe('ephpm table:* and data a client wrote', () => {
  it('shows control characters in keys and values as escapes on a terminal; --json and --csv stay exact', async () => {
    const key = 'evil\x1b[2J';
    const name = '\x1b]0;pwned\x07\ny';
    await call(server, 'users', 'set', [key, { name }]);
    try {
      const human = await tableCli(server, ['table:dump', 'users']);
      expect(human.code).toBe(0);
      expect(human.output).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/); // nothing a terminal would act on
      expect(human.output).toMatch(/^evil\\x1b\[2J\s+\\x1b\]0;pwned\\x07\\ny\s+0\s+0$/m);
      const dump = JSON.parse((await tableCli(server, ['table:dump', 'users', '--key', key, '--json'])).output);
      expect(dump.rows).toEqual([{ key, values: { name, votes: 0, score: 0 } }]);
      const csv = (await tableCli(server, ['table:dump', 'users', '--key', key, '--csv'])).output;
      expect(csv).toBe(`key,name,votes,score\n${key},"${name}",0,0\n`);
    } finally {
      await call(server, 'users', 'del', [key]);
    }
  });
});

describe('ephpm table:* without tables', () => {
  it('says when no server runs', async () => {
    for (const command of ['table:list', 'table:dump']) {
      const result = await runCli([command, ...(command === 'table:dump' ? ['users'] : []), '--root', tempDir()]);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/No ephpm server is running here/);
    }
  });

  it('says when the server defines none, and so does PHP', async () => {
    const bare = await startServer(['--worker', tablesWorker, '--workers', '1']);
    try {
      const result = await tableCli(bare, ['table:list']);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(new RegExp(`The server \\(pid ${bare.child.pid}\\) defines no tables\\.`));
      expect(result.output).toMatch(/try: Define them in \[tables\] of ephpm\.toml/);
      const { error } = await op(bare, 'users', 'get', ['x']);
      expect(error?.message).toBe(
        'No table [users]: this server defines no tables. Define them in [tables] of ephpm.toml ("users:1000" = { name = "string:64" }) or in EPHPM_TABLES.',
      );
    } finally {
      await bare.stop();
    }
  });
});

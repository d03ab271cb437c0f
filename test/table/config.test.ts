import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { tableCli, tablesWorker } from '../helpers/tables.js';

function serveWith(tables: string, root = tempDir()) {
  return runCli(['serve', '--worker', tablesWorker, '--root', root, '--port', '0'], { env: { EPHPM_TABLES: tables } });
}

describe('table definitions', () => {
  it("take Octane's format from ephpm.toml, with Octane's defaults: 1000 rows, strings of 1000 bytes", async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[tables]\n"users:50" = { name = "string:64", votes = "int" }\nstats = { label = "string", ratio = "float" }\n');
    const server = await startServer(['--worker', tablesWorker, '--workers', '1', '--root', root]);
    try {
      const list = JSON.parse((await tableCli(server, ['table:list', '--json'])).output);
      expect(list.tables.map((t: { name: string; rows: number; columns: unknown[] }) => [t.name, t.rows, t.columns])).toEqual([
        ['users', 50, [{ name: 'name', type: 'string', size: 64 }, { name: 'votes', type: 'int', size: 8 }]],
        ['stats', 1000, [{ name: 'label', type: 'string', size: 1000 }, { name: 'ratio', type: 'float', size: 8 }]],
      ]);
    } finally {
      await server.stop();
    }
  });

  it('from EPHPM_TABLES replace those of ephpm.toml', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[tables]\n"users:50" = { votes = "int" }\n');
    const server = await startServer(['--worker', tablesWorker, '--workers', '1', '--root', root], { env: { EPHPM_TABLES: '{"only:5":{"x":"float"}}' } });
    try {
      const list = JSON.parse((await tableCli(server, ['table:list', '--json'])).output);
      expect(list.tables.map((t: { name: string }) => t.name)).toEqual(['only']);
    } finally {
      await server.stop();
    }
  });

  it('that are wrong stop the server before it starts, saying what is wrong and where', async () => {
    const cases: Array<[string, string]> = [
      ['{"users:1000":{"name":"bool"}}', 'table "users:1000", column "name" has the unknown type "bool"; the types are string, int and float'],
      ['{"users":{"name":"string:"}}', 'table "users", column "name" is missing its size after ":"'],
      ['{"users":{"name":"string:big"}}', 'table "users", column "name" has the size "big", which is not a positive whole number'],
      ['{"users":{"name":"string:2000000"}}', 'column "name" holds 2000000 bytes; a string column holds at most 1048576'],
      ['{"users":{"votes":5}}', 'column "votes" must be "string:<bytes>", "int" or "float"; got 5'],
      ['{"users:0":{"votes":"int"}}', 'table "users:0" has zero rows; give it at least one ("users:1000")'],
      ['{"users:many":{"votes":"int"}}', 'table "users:many" must give its rows as a whole number after ":" ("users:1000"); got "many"'],
      ['{"users":{}}', 'table "users" has no columns'],
      ['{"my table":{"votes":"int"}}', 'table "my table" needs a name of 1 to 63 letters, digits'],
      ['{"users:10":{"a":"int"},"users:20":{"a":"int"}}', 'table "users" is defined twice'],
      ['{"users":', 'EPHPM_TABLES (--tables) is not valid JSON'],
    ];
    const results = await Promise.all(cases.map(([tables]) => serveWith(tables)));
    results.forEach((result, i) => {
      expect(result.code).toBe(1);
      expect(result.output).toContain(cases[i]![1]);
      expect(result.output).toMatch(/EPHPM_BAD_TABLES/);
    });
    expect(results[0]!.output).toMatch(/try: Tables use Octane's format, e\.g\. in ephpm\.toml: \[tables\] "users:1000" = \{ name = "string:64", votes = "int" \}/);
  });

  it('that are wrong in ephpm.toml name the file', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[tables]\nusers = "int"\n');
    const result = await runCli(['serve', '--worker', tablesWorker, '--root', root, '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`${join(root, 'ephpm.toml')} [tables]: table "users" must map column names to types`);
  });
});

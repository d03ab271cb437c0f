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
    writeFileSync(
      join(root, 'ephpm.toml'),
      '[tables]\n"users:50" = { name = "string:64", votes = "int" }\nstats = { label = "string", ratio = "float" }\n',
    );
    const server = await startServer(['--worker', tablesWorker, '--workers', '1', '--root', root]);
    try {
      const list = JSON.parse((await tableCli(server, ['table:list', '--json'])).output);
      expect(
        list.tables.map((t: { name: string; rows: number; columns: unknown[] }) => [t.name, t.rows, t.columns]),
      ).toEqual([
        [
          'users',
          50,
          [
            { name: 'name', type: 'string', size: 64 },
            { name: 'votes', type: 'int', size: 8 },
          ],
        ],
        [
          'stats',
          1000,
          [
            { name: 'label', type: 'string', size: 1000 },
            { name: 'ratio', type: 'float', size: 8 },
          ],
        ],
      ]);
    } finally {
      await server.stop();
    }
  });

  it('from EPHPM_TABLES replace those of ephpm.toml', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[tables]\n"users:50" = { votes = "int" }\n');
    const server = await startServer(['--worker', tablesWorker, '--workers', '1', '--root', root], {
      env: { EPHPM_TABLES: '{"only:5":{"x":"float"}}' },
    });
    try {
      const list = JSON.parse((await tableCli(server, ['table:list', '--json'])).output);
      expect(list.tables.map((t: { name: string }) => t.name)).toEqual(['only']);
    } finally {
      await server.stop();
    }
  });

  it('that are wrong stop the server before it starts, saying what is wrong and how to write it (every case: test/unit/table-definitions.test.ts)', async () => {
    const result = await serveWith('{"users:1000":{"name":"bool"}}');
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'EPHPM_TABLES (--tables): table "users:1000", column "name" has the unknown type "bool"; the types are string, int and float',
    );
    expect(result.output).toMatch(/EPHPM_BAD_TABLES/);
    expect(result.output).toMatch(
      /try: Tables use Octane's format, e\.g\. in ephpm\.toml: \[tables\] "users:1000" = \{ name = "string:64", votes = "int" \}/,
    );
  });

  it('that are wrong in ephpm.toml name the file', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[tables]\nusers = "int"\n');
    const result = await runCli(['serve', '--worker', tablesWorker, '--root', root, '--port', '0']);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      `${join(root, 'ephpm.toml')} [tables]: table "users" must map column names to types`,
    );
  });
});

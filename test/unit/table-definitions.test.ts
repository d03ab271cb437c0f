import { describe, expect, it } from 'vitest';
import { parseTableDefinitions, parseTablesJson } from '../../src/runtime/tables/table-definitions.js';
import { refusal } from '../helpers/refusal.js';

const ORIGIN = 'EPHPM_TABLES (--tables)';

describe("table definitions in Octane's format", () => {
  it("take Octane's defaults: 1000 rows, strings of 1000 bytes, numbers of 8", () => {
    expect(
      parseTableDefinitions(
        { 'users:50': { name: 'string:64', votes: 'int' }, stats: { label: 'string', ratio: 'float:4' } },
        ORIGIN,
      ),
    ).toEqual([
      {
        name: 'users',
        rows: 50,
        columns: [
          { name: 'name', type: 'string', size: 64 },
          { name: 'votes', type: 'int', size: 8 },
        ],
      },
      {
        name: 'stats',
        rows: 1000,
        columns: [
          { name: 'label', type: 'string', size: 1000 },
          { name: 'ratio', type: 'float', size: 8 },
        ],
      },
    ]);
  });

  it("accept PHP's json_encode([]) for no tables", () => {
    expect(parseTablesJson('[]', ORIGIN)).toEqual([]);
  });

  it.each([
    [
      '{"users:1000":{"name":"bool"}}',
      'table "users:1000", column "name" has the unknown type "bool"; the types are string, int and float',
    ],
    ['{"users":{"name":"string:"}}', 'table "users", column "name" is missing its size after ":"'],
    [
      '{"users":{"name":"string:big"}}',
      'table "users", column "name" has the size "big", which is not a positive whole number',
    ],
    ['{"users":{"name":"string:2000000"}}', 'column "name" holds 2000000 bytes; a string column holds at most 1048576'],
    ['{"users":{"votes":5}}', 'column "votes" must be "string:<bytes>", "int" or "float"; got 5'],
    ['{"users:0":{"votes":"int"}}', 'table "users:0" has zero rows; give it at least one ("users:1000")'],
    [
      '{"users:many":{"votes":"int"}}',
      'table "users:many" must give its rows as a whole number after ":" ("users:1000"); got "many"',
    ],
    ['{"users:1:2":{"votes":"int"}}', 'table "users:1:2" has more than one ":"'],
    ['{"users":{}}', 'table "users" has no columns'],
    ['{"my table":{"votes":"int"}}', 'table "my table" needs a name of 1 to 63 letters, digits'],
    ['{"users:10":{"a":"int"},"users:20":{"a":"int"}}', 'table "users" is defined twice'],
    ['{"octane.cache:10":{"a":"int"}}', 'table "octane.cache:10" takes the name of the cache table, which is reserved'],
    ['{"users":', 'EPHPM_TABLES (--tables) is not valid JSON'],
    ['"users"', 'must map "name:rows" to columns'],
  ])('refuse %s, saying what is wrong and where', (json, expected) => {
    const { code, message, hint } = refusal(() => parseTablesJson(json, ORIGIN));
    expect(code).toBe('EPHPM_BAD_TABLES');
    expect(message).toContain(expected);
    expect(message.startsWith(ORIGIN)).toBe(true);
    expect(hint).toBe(
      'Tables use Octane\'s format, e.g. in ephpm.toml: [tables] "users:1000" = { name = "string:64", votes = "int" }',
    );
  });
});

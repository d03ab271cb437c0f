import { describe, expect, it } from 'vitest';
import { CACHE_TABLE, parseCacheJson, parseCacheSettings } from '../../src/runtime/tables/cache-table.js';
import { refusal } from '../helpers/refusal.js';

const ORIGIN = 'EPHPM_CACHE (--cache)';

describe("the octane cache store's settings (Octane's octane.cache)", () => {
  it('make no table when absent, and a value/number/expiration table sized by rows and bytes otherwise', () => {
    expect(parseCacheSettings(undefined, ORIGIN)).toBeNull();
    expect(parseCacheJson('{"rows":20,"bytes":300}', ORIGIN)).toEqual({
      name: CACHE_TABLE,
      rows: 20,
      columns: [
        { name: 'value', type: 'string', size: 300 },
        { name: 'number', type: 'int', size: 8 },
        { name: 'expiration', type: 'int', size: 8 },
      ],
    });
  });

  it("default to Octane's 1000 rows and 10000 bytes", () => {
    const table = parseCacheSettings({}, ORIGIN)!;
    expect([table.rows, table.columns[0]!.size]).toEqual([1000, 10_000]);
  });

  it.each([
    ['{"rows":0}', 'EPHPM_CACHE (--cache) rows must be a whole number from 1 to 16777216'],
    ['{"rows":2.5}', 'rows must be a whole number from 1 to 16777216'],
    [
      '{"bytes":"10k"}',
      'EPHPM_CACHE (--cache) bytes must be a whole number from 1 to 1048576 (bytes one serialized value may have); got "10k"',
    ],
    ['{"size":5}', 'has the unknown setting size; the settings are rows and bytes'],
    ['[1000]', 'EPHPM_CACHE (--cache) must be a table of rows and bytes; got [1000]'],
    ['{"rows":', 'EPHPM_CACHE (--cache) is not valid JSON'],
  ])('refuse %s, saying what is wrong and how to write it', (json, expected) => {
    const { code, message, hint } = refusal(() => parseCacheJson(json, ORIGIN));
    expect(code).toBe('EPHPM_BAD_CACHE');
    expect(message).toContain(expected);
    expect(hint).toContain("The cache table is set up like Octane's octane.cache: [cache] rows = 1000, bytes = 10000");
  });
});

import { EphpmError } from '../errors.js';
import { CACHE_TABLE, MAX_ROWS, MAX_STRING_SIZE, type TableDefinition } from './table-definitions.js';

/** The shared table under the `octane` cache store (Ephpm\Octane\Cache\TableStore::CACHE_TABLE). */
export { CACHE_TABLE };

/** Octane's `octane.cache` defaults. */
export const DEFAULT_CACHE_ROWS = 1000;
export const DEFAULT_CACHE_BYTES = 10_000;

const KEYS = ['rows', 'bytes'];
const EXAMPLE = '[cache] rows = 1000, bytes = 10000 (in ephpm.toml), or EPHPM_CACHE=\'{"rows":1000,"bytes":10000}\'';

/**
 * Octane's `octane.cache` settings ({rows, bytes}) as the cache table's definition; `undefined` = no cache table.
 * `origin` names where they came from, for the error messages.
 */
export function parseCacheSettings(value: unknown, origin: string): TableDefinition | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(origin, `must be a table of rows and bytes; got ${JSON.stringify(value)}`);
  }
  const settings = value as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0)
    throw bad(origin, `has the unknown setting ${unknown.join(', ')}; the settings are rows and bytes`);
  return {
    name: CACHE_TABLE,
    rows: count(settings.rows, `${origin} rows`, MAX_ROWS, 'values the cache holds at most') ?? DEFAULT_CACHE_ROWS,
    columns: [
      {
        name: 'value',
        type: 'string',
        size:
          count(settings.bytes, `${origin} bytes`, MAX_STRING_SIZE, 'bytes one serialized value may have') ??
          DEFAULT_CACHE_BYTES,
      },
      { name: 'number', type: 'int', size: 8 },
      { name: 'expiration', type: 'int', size: 8 },
    ],
  };
}

/** The same from JSON text (EPHPM_CACHE, --cache: what the Octane driver passes from `octane.cache`). */
export function parseCacheJson(text: string, origin: string): TableDefinition | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bad(origin, `is not valid JSON (${(error as Error).message})`);
  }
  return parseCacheSettings(value, origin);
}

/** The user's tables plus the cache table (its name is reserved: table-definitions.ts refuses it for a user table). */
export function withCacheTable(tables: TableDefinition[], cache: TableDefinition | null): TableDefinition[] {
  return cache ? [...tables, cache] : tables;
}

function count(value: unknown, key: string, max: number, meaning: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw bad(key, `must be a whole number from 1 to ${max} (${meaning}); got ${JSON.stringify(value)}`);
  }
  return value;
}

function bad(where: string, problem: string): EphpmError {
  return new EphpmError(
    'EPHPM_BAD_CACHE',
    `${where} ${problem}.`,
    `The cache table is set up like Octane's octane.cache: ${EXAMPLE}`,
  );
}

import { EphpmError } from '../errors.js';

export type ColumnType = 'string' | 'int' | 'float';

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  /** Bytes a string holds; 8 for int and float. */
  size: number;
}

export interface TableDefinition {
  name: string;
  /** How many rows the table holds at most. */
  rows: number;
  columns: ColumnDefinition[];
}

/** Octane's defaults (bin/createSwooleTables.php): 1000 rows, strings of 1000 bytes. */
export const DEFAULT_ROWS = 1000;
export const DEFAULT_STRING_SIZE = 1000;
export const MAX_ROWS = 16_777_216;
export const MAX_STRING_SIZE = 1_048_576;
export const MAX_COLUMNS = 64;
const MAX_NAME_BYTES = 63;
/** The cache table's name (cache-table.ts): no user table may take it, with or without [cache]. */
export const CACHE_TABLE = 'octane.cache';
const TABLE_NAME = /^[A-Za-z0-9_.-]+$/;
const EXAMPLE = '"users:1000" = { name = "string:64", votes = "int" }';

/**
 * Octane's table config, `{'name:rows': {column: 'type:size'}}`, checked and
 * normalised. `origin` names where it came from, for the error messages.
 */
export function parseTableDefinitions(value: unknown, origin: string): TableDefinition[] {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return []; // PHP's json_encode([]) is "[]"
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(origin, `must map "name:rows" to columns, like ${EXAMPLE}; got ${JSON.stringify(value)}`);
  }
  const tables: TableDefinition[] = [];
  for (const [key, columns] of Object.entries(value)) {
    const table = parseTable(key, columns, origin);
    const twin = tables.find((other) => other.name === table.name);
    if (twin)
      throw bad(
        origin,
        `table "${table.name}" is defined twice ("${key}" and another entry); each name may appear once`,
      );
    tables.push(table);
  }
  return tables;
}

/** The same from JSON text (EPHPM_TABLES, --tables; what the Octane driver passes). */
export function parseTablesJson(text: string, origin: string): TableDefinition[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bad(origin, `is not valid JSON (${(error as Error).message})`);
  }
  return parseTableDefinitions(value, origin);
}

function parseTable(key: string, columns: unknown, origin: string): TableDefinition {
  const [name = '', rowsText, ...rest] = key.split(':');
  const where = `${origin}: table "${key}"`;
  if (rest.length > 0) throw bad(where, 'has more than one ":"; write it as "name:rows"');
  if (!TABLE_NAME.test(name) || byteLength(name) > MAX_NAME_BYTES) {
    throw bad(where, `needs a name of 1 to ${MAX_NAME_BYTES} letters, digits, "_", "-" or "."`);
  }
  if (name === CACHE_TABLE)
    throw bad(
      where,
      `takes the name of the cache table, which is reserved (the cache table is made from the [cache] settings); rename it`,
    );
  let rows = DEFAULT_ROWS;
  if (rowsText !== undefined) {
    if (!/^\d+$/.test(rowsText))
      throw bad(where, `must give its rows as a whole number after ":" ("${name}:1000"); got "${rowsText}"`);
    rows = Number(rowsText);
    if (rows === 0) throw bad(where, `has zero rows; give it at least one ("${name}:1000")`);
    if (rows > MAX_ROWS) throw bad(where, `has ${rows} rows; at most ${MAX_ROWS} are allowed`);
  }
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw bad(
      where,
      `must map column names to types, like { name = "string:64", votes = "int" }; got ${JSON.stringify(columns)}`,
    );
  }
  const entries = Object.entries(columns);
  if (entries.length === 0) throw bad(where, 'has no columns; give it at least one, like { votes = "int" }');
  if (entries.length > MAX_COLUMNS)
    throw bad(where, `has ${entries.length} columns; at most ${MAX_COLUMNS} are allowed`);
  return {
    name,
    rows,
    columns: entries.map(([column, type]) => parseColumn(column, type, `${where}, column "${column}"`)),
  };
}

function parseColumn(name: string, definition: unknown, where: string): ColumnDefinition {
  if (name === '' || byteLength(name) > MAX_NAME_BYTES)
    throw bad(where, `needs a name of 1 to ${MAX_NAME_BYTES} bytes`);
  if (typeof definition !== 'string') {
    throw bad(where, `must be "string:<bytes>", "int" or "float"; got ${JSON.stringify(definition)}`);
  }
  const [type, sizeText, ...rest] = definition.split(':');
  if (type !== 'string' && type !== 'int' && type !== 'float') {
    throw bad(
      where,
      `has the unknown type "${type}"; the types are string, int and float ("string:64", "int", "float")`,
    );
  }
  if (rest.length > 0) throw bad(where, `must be "${type}" or "${type}:<size>"; got "${definition}"`);
  if (sizeText !== undefined && !/^[1-9]\d*$/.test(sizeText)) {
    const missing =
      sizeText === ''
        ? 'is missing its size after ":"'
        : `has the size "${sizeText}", which is not a positive whole number`;
    throw bad(where, `${missing}; write it like "string:64" (the most bytes a value may have)`);
  }
  if (type !== 'string') return { name, type, size: 8 }; // 64-bit, whatever size is given (as in Swoole)
  const size = sizeText === undefined ? DEFAULT_STRING_SIZE : Number(sizeText);
  if (size > MAX_STRING_SIZE) throw bad(where, `holds ${size} bytes; a string column holds at most ${MAX_STRING_SIZE}`);
  return { name, type, size };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function bad(where: string, problem: string): EphpmError {
  return new EphpmError(
    'EPHPM_BAD_TABLES',
    `${where} ${problem}.`,
    `Tables use Octane's format, e.g. in ephpm.toml: [tables] ${EXAMPLE}`,
  );
}

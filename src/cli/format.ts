import kleur from 'kleur';
import { formatPhpValue, unserializePhp } from '../runtime/tables/php-serialized.js';
import { toCsv, type TableDump } from '../runtime/control/table-inspect.js';

export { formatBytes } from '../runtime/sizes.js';

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** Columns padded to their widest cell; the header row dimmed. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [kleur.dim(line(header)), ...rows.map(line)].join('\n');
}

const UNSAFE = /[\x00-\x1f\x7f-\x9f\\\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** Text whose backslashes already start escapes (JSON's): everything else that is unsafe. */
const UNSAFE_IN_ESCAPED_TEXT = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/**
 * Data from a server (table keys and values, names) as it may be shown on a terminal: control
 * characters (C0, DEL, C1 — escape sequences would be executed by the terminal), line and paragraph
 * separators and bidirectional overrides become visible escapes (`\n`, `\x1b`, `\u202e`), and a
 * backslash is doubled so that an escape cannot be faked. JSON and CSV output stay exact.
 */
export function printable(text: string, options: { alreadyEscaped?: boolean } = {}): string {
  const unsafe = options.alreadyEscaped ? UNSAFE_IN_ESCAPED_TEXT : UNSAFE;
  return text.replace(unsafe, (c) => {
    const code = c.charCodeAt(0);
    return SHORT_ESCAPES[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}

/**
 * A shared table's value in a terminal table: with `unserialize`, a PHP-serialized string as the value it holds
 * (the octane cache store's values); shown as `printable()` shows it.
 */
export function tableCell(value: string | number, options: { unserialize?: boolean } = {}): string {
  const decoded = options.unserialize && typeof value === 'string' ? unserializePhp(value) : undefined;
  if (decoded === undefined) return printable(String(value));
  // An array is shown as JSON, whose strings are escaped already.
  return printable(formatPhpValue(decoded), { alreadyEscaped: Array.isArray(decoded) });
}

/**
 * `table:dump --csv`: into a file or a pipe, the exact bytes; on a terminal, every key, column name and string value
 * as `printable()` shows it, so that no escape sequence a client stored reaches the terminal.
 */
export function dumpCsv(dump: TableDump, toTerminal: boolean): string {
  if (!toTerminal) return toCsv(dump);
  const shown = (value: string | number) => (typeof value === 'string' ? printable(value) : value);
  const columns = dump.table.columns.map((column) => column.name);
  return toCsv({
    table: {
      ...dump.table,
      columns: dump.table.columns.map((column) => ({ ...column, name: printable(column.name) })),
    },
    rows: dump.rows.map((row) => ({
      key: printable(row.key),
      values: Object.fromEntries(columns.map((name) => [printable(name), shown(row.values[name]!)])),
    })),
  });
}

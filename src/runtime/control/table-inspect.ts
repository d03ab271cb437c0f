import { runningServer, type ServerLocation } from './commands.js';
import { sendControlCommand } from './control-client.js';
import type { ServerStatus } from '../metrics/server-status.js';
import { EphpmError } from '../errors.js';
import { nativeTables, type SegmentInfo, type TableInfo } from '../native/tables-face.js';

export interface TableList {
  pid: number;
  segment: string;
  tables: TableInfo[];
}

export interface TableDump {
  table: TableInfo;
  /** Rows in storage order, each `{ key, values: { column: value } }`; ints past 2^53 are exact strings. */
  rows: Array<{ key: string; values: Record<string, string | number> }>;
}

/** The running server's tables, read straight from its shared memory. */
export async function listTables(location: ServerLocation): Promise<TableList> {
  const { pid, segment, info } = await openSegment(location);
  return { pid, segment, tables: info.tables };
}

export async function dumpTable(
  location: ServerLocation,
  name: string,
  options: { limit?: number; key?: string } = {},
): Promise<TableDump> {
  const { pid, segment, info } = await openSegment(location);
  const table = info.tables.find((candidate) => candidate.name === name);
  if (!table) {
    throw new EphpmError(
      'EPHPM_UNKNOWN_TABLE',
      `The server (pid ${pid}) has no table "${name}". Its tables: ${info.tables.map((t) => t.name).join(', ')}.`,
      'List them with: ephpm table:list',
    );
  }
  const raw = nativeTables().tableRows(segment, name, options.limit ?? Number.MAX_SAFE_INTEGER, options.key) ?? [];
  if (options.key !== undefined && raw.length === 0) {
    throw new EphpmError(
      'EPHPM_NO_ROW',
      `Table "${name}" has no row with the key "${options.key}".`,
      `See its keys with: ephpm table:dump ${name}`,
    );
  }
  const rows = raw.map(([key, ...values]) => ({
    key,
    values: Object.fromEntries(table.columns.map((column, i) => [column.name, values[i]!])),
  }));
  return { table, rows };
}

async function openSegment(location: ServerLocation): Promise<{ pid: number; segment: string; info: SegmentInfo }> {
  const server = runningServer(location);
  // The state file names the segment; when it cannot be read, the server itself says.
  const segment = server.state
    ? server.state.tables
    : ((await sendControlCommand(server, 'status', 10_000)) as ServerStatus).tablesSegment;
  const info = segment ? nativeTables().tablesInspect(segment) : null;
  if (!segment || !info) {
    throw new EphpmError(
      'EPHPM_NO_TABLES',
      `The server (pid ${server.pid}) defines no tables.`,
      'Define them in [tables] of ephpm.toml, e.g. "users:1000" = { name = "string:64", votes = "int" }, or in EPHPM_TABLES; then restart it.',
    );
  }
  return { pid: server.pid, segment, info };
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled. */
export function toCsv(dump: TableDump): string {
  const field = (value: string | number) => {
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const header = ['key', ...dump.table.columns.map((column) => column.name)];
  const lines = dump.rows.map((row) =>
    [row.key, ...dump.table.columns.map((column) => row.values[column.name]!)].map(field).join(','),
  );
  return [header.map(field).join(','), ...lines].join('\n') + '\n';
}

import { runningServer, type ServerLocation } from './commands.js';
import { sendControlCommand } from './control-client.js';
import type { TableInfo } from '../native/tables-face.js';
import { dumpTable } from './table-inspect.js';

type Values = Record<string, string | number>;

/** `ephpm table:dump <table> --cluster`: each key with this node's row beside the cluster's copy in Redis. */
export interface ClusterTableDump {
  table: TableInfo;
  rows: Array<{
    key: string;
    /** This node's row (shared memory), null when it has none. */
    local: Values | null;
    /** The cluster's copy (Redis), null when it has none. */
    cluster: Values | null;
    /** The columns whose values differ (every column when one side has no row). */
    differs: string[];
  }>;
  /** Rows that differ, of all compared (before --limit). */
  differing: number;
}

export async function dumpTableWithCluster(
  location: ServerLocation,
  name: string,
  options: { limit?: number; key?: string } = {},
): Promise<ClusterTableDump> {
  const local = await dumpTable(location, name);
  const state = runningServer(location);
  const remote = (await sendControlCommand(state, 'cluster-rows', 30_000, { table: name })) as Array<{
    key: string;
    values: string[];
  }>;
  const columns = local.table.columns;
  const cluster = new Map(
    remote
      .filter((row) => options.key === undefined || row.key === options.key)
      .map((row) => [
        row.key,
        Object.fromEntries(
          columns.map((column, i) => [column.name, typed(column.type, row.values[i] ?? '')]),
        ) as Values,
      ]),
  );
  const here = new Map(
    local.rows
      .filter((row) => options.key === undefined || row.key === options.key)
      .map((row) => [row.key, row.values]),
  );
  const keys = [...new Set([...here.keys(), ...cluster.keys()])].sort();
  const rows = keys.map((key) => {
    const mine = here.get(key) ?? null;
    const theirs = cluster.get(key) ?? null;
    const differs = columns
      .map((column) => column.name)
      .filter((column) => !mine || !theirs || String(mine[column]) !== String(theirs[column]));
    return { key, local: mine, cluster: theirs, differs };
  });
  return {
    table: local.table,
    rows: rows.slice(0, options.limit ?? rows.length),
    differing: rows.filter((row) => row.differs.length > 0).length,
  };
}

/** Redis keeps values as text; '' is a column never set (0 or ''), as in a new row. Ints past 2^53 stay exact strings. */
function typed(type: string, text: string): string | number {
  if (type === 'string') return text;
  if (type === 'float') return Number(text || '0');
  const value = BigInt(text || '0');
  return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value.toString();
}

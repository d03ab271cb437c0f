import type { RawRow, TableFunctions } from '../native/tables-face.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { joinNetstrings } from './netstrings.js';
import type { OutboxRecord } from './outbox-records.js';

/** Rounds of re-reading rows written while they were read; past them the last such writes are sent after the row. */
const MAX_ROUNDS = 50;
const ALL_ROWS = 0xffffffff;

export interface WriteBackSource {
  tables: Pick<TableFunctions, 'tableRows'>;
  /** The tables' shared-memory segment. */
  segment: string;
  replicated: Array<{ index: number; table: TableDefinition }>;
  /** This node's writes drained before (the backlog): every one of them is in the rows read now. */
  earlier: readonly OutboxRecord[];
  /** Drains the outbox: the writes made since the last call. */
  take: () => OutboxRecord[];
  /** The stamp of the newest write this node knows of a row (its own or another node's), '' when none is recent. */
  freshest: (table: number, key: Buffer) => string;
  /** The seq of the last write this node drained before `earlier`'s (0: none). */
  lastSeq: number;
}

/**
 * What a node sends to a Redis that lost the cluster's data, in order: a `del` for each row it deleted whose delete
 * had not reached Redis yet, a `back` op with each row it has (replicate.lua: the row of the node that knew its
 * newest write wins), then the writes made after each row was read. The writes already in the rows are not sent
 * again (an increment would count twice); which those are is exact per row: a row is read again while a write of it
 * was drained between its read and the next drain, until one was not.
 */
export function writeBack(source: WriteBackSource): OutboxRecord[] {
  const { tables, segment, replicated } = source;
  const rows = new Map<string, { index: number; key: Buffer; values: Array<string | number> | null }>();
  const reflected: OutboxRecord[] = [...source.earlier, ...source.take()];
  for (const { index, table } of replicated) {
    for (const [key, ...values] of tables.tableRows(segment, table.name, ALL_ROWS) ?? []) {
      const bytes = Buffer.from(key, 'utf8');
      rows.set(rowId(index, bytes), { index, key: bytes, values });
    }
  }
  const later: OutboxRecord[] = [];
  let readLast: Set<string> | null = null; // null: every row (the whole tables were just read)
  for (let round = 0; ; round++) {
    const ambiguous: OutboxRecord[] = [];
    for (const record of source.take()) {
      if (readLast === null || readLast.has(rowId(record.table, record.key))) ambiguous.push(record);
      else later.push(record);
    }
    if (ambiguous.length === 0) break;
    if (round === MAX_ROUNDS) {
      later.push(...ambiguous); // a row written without pause: its last few writes may count twice
      break;
    }
    reflected.push(...ambiguous);
    readLast = new Set();
    for (const record of ambiguous) {
      const id = rowId(record.table, record.key);
      if (readLast.has(id)) continue;
      readLast.add(id);
      const table = replicated.find(({ index }) => index === record.table)!.table;
      const [row] = tables.tableRows(segment, table.name, 1, record.key.toString('utf8')) ?? [];
      rows.set(id, { index: record.table, key: record.key, values: row ? (row as RawRow).slice(1) : null });
    }
  }

  const seq = reflected.reduce((max, record) => Math.max(max, record.seq), source.lastSeq);
  const deletes = new Map<string, OutboxRecord>();
  for (const record of reflected) {
    const id = rowId(record.table, record.key);
    if (isDelete(record) && !rows.get(id)?.values) deletes.set(id, record);
  }
  const back: OutboxRecord[] = [];
  for (const { index, key, values } of rows.values()) {
    if (!values) continue;
    const table = replicated.find((entry) => entry.index === index)!.table;
    const stamp = source.freshest(index, key);
    const columns = table.columns.flatMap((column, c) => [column.name, String(values[c])]);
    back.push({
      table: index,
      key,
      seq,
      stamp,
      op: joinNetstrings(['back', table.name, key, String(seq), stamp, ...columns]),
    });
  }
  return [...deletes.values(), ...back, ...later];
}

export function isWriteBack(record: OutboxRecord): boolean {
  return record.op.subarray(0, 6).toString('latin1') === '4:back';
}

function isDelete(record: OutboxRecord): boolean {
  return record.op.subarray(0, 5).toString('latin1') === '3:del';
}

export function rowId(table: number, key: Buffer): string {
  return `${table}:${key.toString('latin1')}`;
}

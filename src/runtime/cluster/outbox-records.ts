import type { TableDefinition } from '../tables/table-definitions.js';

/** Kinds of outbox record (native/cluster/outbox.h `RecordKind`; a unit test keeps the two in step). */
export enum RecordKind {
  Set = 1,
  AddInt = 2,
  AddFloat = 3,
  Del = 4,
}

/** u32 length, u8 kind, u8 key length, u16 table, u64 seq, u64 stamp (native/cluster/outbox.h `kRecordHead`). */
export const RECORD_HEAD = 24;

/** One replicated write of this node, as the Lua script takes it. */
export interface OutboxRecord {
  table: number;
  key: Buffer;
  seq: number;
  /** The write's stamp: the node's hybrid logical clock (ms << 16 | counter) and its id. */
  stamp: string;
  /** kind, table, key, seq, stamp, then the columns: one argument of replicate.lua. */
  op: Buffer;
}

/** Clock values cross as 16 hex digits: as strings they sort as the clock does. */
export function stampText(clock: bigint, node: string): string {
  return `${clock.toString(16).padStart(16, '0')}@${node}`;
}

/** The wall-clock ms of a stamp (its clock's upper 48 bits); 0 for an empty one. */
export function stampMs(stamp: string): number {
  return stamp.length < 12 ? 0 : parseInt(stamp.slice(0, 12), 16);
}

/**
 * The records `clusterDrain()` took out of the outbox, in the order they were written. Built as latin1 text (one
 * character a byte, so a netstring's length is its byte count) and turned into one Buffer each: no Buffer per field.
 */
export function decodeRecords(data: Buffer, tables: TableDefinition[], node: string): OutboxRecord[] {
  const records: OutboxRecord[] = [];
  const field = (text: string) => `${text.length}:${text}`;
  const nodeText = Buffer.from(node, 'utf8').toString('latin1');
  for (let at = 0; at < data.length;) {
    const length = data.readUInt32LE(at);
    const kind = data.readUInt8(at + 4) as RecordKind;
    const keyLength = data.readUInt8(at + 5);
    const table = data.readUInt16LE(at + 6);
    const seq = Number(data.readBigUInt64LE(at + 8));
    const key = data.subarray(at + RECORD_HEAD, at + RECORD_HEAD + keyLength);
    const { name, columns } = latin1Names(tables[table]!);
    const stamp = stampText(data.readBigUInt64LE(at + 16), nodeText);
    let op = field(KIND_NAMES[kind]) + field(name) + field(key.toString('latin1')) + field(String(seq)) + field(stamp);
    const payload = data.subarray(at + RECORD_HEAD + keyLength, at + length);
    for (const text of payloadFields(kind, tables[table]!, columns, payload)) op += field(text);
    records.push({ table, key, seq, stamp, op: Buffer.from(op, 'latin1') });
    at += length;
  }
  return records;
}

const KIND_NAMES: Record<RecordKind, string> = {
  [RecordKind.Set]: 'set',
  [RecordKind.AddInt]: 'incr',
  [RecordKind.AddFloat]: 'incf',
  [RecordKind.Del]: 'del',
};

const namesOf = new WeakMap<TableDefinition, { name: string; columns: string[] }>();
function latin1Names(table: TableDefinition): { name: string; columns: string[] } {
  let names = namesOf.get(table);
  if (!names) {
    const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
    namesOf.set(
      table,
      (names = { name: latin1(table.name), columns: table.columns.map((column) => latin1(column.name)) }),
    );
  }
  return names;
}

/** set: column, value...; incr / incf: column, step; del: nothing. Numbers as text that reads back exactly. */
function payloadFields(kind: RecordKind, definition: TableDefinition, names: string[], payload: Buffer): string[] {
  if (kind === RecordKind.Del) return [];
  if (kind !== RecordKind.Set) {
    const column = payload.readUInt16LE(0);
    return [
      names[column]!,
      kind === RecordKind.AddInt ? payload.readBigInt64LE(2).toString() : String(payload.readDoubleLE(2)),
    ];
  }
  const mask = payload.readBigUInt64LE(0);
  const fields: string[] = [];
  let at = 8;
  definition.columns.forEach((column, c) => {
    if (((mask >> BigInt(c)) & 1n) === 0n) return;
    fields.push(names[c]!);
    if (column.type === 'int') {
      fields.push(payload.readBigInt64LE(at).toString());
      at += 8;
    } else if (column.type === 'float') {
      fields.push(String(payload.readDoubleLE(at)));
      at += 8;
    } else {
      const length = payload.readUInt32LE(at);
      fields.push(payload.toString('latin1', at + 4, at + 4 + length));
      at += 4 + length;
    }
  });
  return fields;
}

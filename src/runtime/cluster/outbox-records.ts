import type { TableDefinition } from '../tables/table-definitions.js';
import { joinNetstrings } from './netstrings.js';

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
  /** kind, table, key, seq, stamp, then the columns: one argument of replicate.lua. */
  op: Buffer;
}

/** Clock values cross as 16 hex digits: as strings they sort as the clock does. */
export function stampText(clock: bigint, node: string): string {
  return `${clock.toString(16).padStart(16, '0')}@${node}`;
}

/** The records `clusterDrain()` took out of the outbox, in the order they were written. */
export function decodeRecords(data: Buffer, tables: TableDefinition[], node: string): OutboxRecord[] {
  const records: OutboxRecord[] = [];
  for (let at = 0; at < data.length; ) {
    const length = data.readUInt32LE(at);
    const kind = data.readUInt8(at + 4) as RecordKind;
    const keyLength = data.readUInt8(at + 5);
    const table = data.readUInt16LE(at + 6);
    const seq = Number(data.readBigUInt64LE(at + 8));
    const stamp = stampText(data.readBigUInt64LE(at + 16), node);
    const key = data.subarray(at + RECORD_HEAD, at + RECORD_HEAD + keyLength);
    const definition = tables[table]!;
    const head = [kindName(kind), definition.name, key, String(seq), stamp];
    const payload = payloadFields(kind, definition, data.subarray(at + RECORD_HEAD + keyLength, at + length));
    records.push({ table, key, seq, op: joinNetstrings([...head, ...payload]) });
    at += length;
  }
  return records;
}

function kindName(kind: RecordKind): string {
  switch (kind) {
    case RecordKind.Set:
      return 'set';
    case RecordKind.AddInt:
      return 'incr';
    case RecordKind.AddFloat:
      return 'incf';
    case RecordKind.Del:
      return 'del';
  }
}

/** set: column, value...; incr / incf: column, step; del: nothing. Numbers as text that reads back exactly. */
function payloadFields(kind: RecordKind, definition: TableDefinition, payload: Buffer): Array<Buffer | string> {
  if (kind === RecordKind.Del) return [];
  if (kind !== RecordKind.Set) {
    const column = definition.columns[payload.readUInt16LE(0)]!;
    return [column.name, kind === RecordKind.AddInt ? payload.readBigInt64LE(2).toString() : String(payload.readDoubleLE(2))];
  }
  const mask = payload.readBigUInt64LE(0);
  const fields: Array<Buffer | string> = [];
  let at = 8;
  definition.columns.forEach((column, c) => {
    if (((mask >> BigInt(c)) & 1n) === 0n) return;
    fields.push(column.name);
    if (column.type === 'int') {
      fields.push(payload.readBigInt64LE(at).toString());
      at += 8;
    } else if (column.type === 'float') {
      fields.push(String(payload.readDoubleLE(at)));
      at += 8;
    } else {
      const length = payload.readUInt32LE(at);
      fields.push(payload.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
  });
  return fields;
}

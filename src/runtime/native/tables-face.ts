import type { ColumnDefinition, TableDefinition } from '../tables/table-definitions.js';
import { loadedAddon } from './addon.js';

/** One table as the segment describes it. */
export interface TableInfo {
  name: string;
  /** Capacity: the most rows it holds. */
  rows: number;
  /** Rows in use. */
  used: number;
  bytes: number;
  columns: ColumnDefinition[];
}

export interface SegmentInfo {
  ownerPid: number;
  ownerAlive: boolean;
  bytes: number;
  tables: TableInfo[];
}

/** A row as the addon hands it over: the key, then one value per column (big ints as strings). */
export type RawRow = [string, ...Array<string | number>];

/** The shared tables' segment (native/node/table_napi.cc). */
export interface TableFunctions {
  tablesCreate(segment: string, tables: TableDefinition[]): number;
  tablesRemove(segment: string): boolean;
  /** Removes segments whose server is gone; foreign and corrupt ones are left alone and listed ("path: why"). */
  tablesSweep(prefix: string): { removed: string[]; skipped: string[] };
  tablesAttach(segment: string): void;
  tablesInspect(segment: string): SegmentInfo | null;
  tableRows(segment: string, table: string, limit: number, key?: string): RawRow[] | null;
}

export const nativeTables = (): TableFunctions => loadedAddon<TableFunctions>();

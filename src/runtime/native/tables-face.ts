import { loadedAddon } from './addon.js';

/** A column as the segment stores it (tables/table-definitions.ts's checked `ColumnDefinition` has this shape). */
export interface SegmentColumn {
  name: string;
  type: 'int' | 'float' | 'string';
  /** Bytes a string holds; 8 for int and float. */
  size: number;
}

/** A table as the segment is made with it (a checked `TableDefinition` is one). */
export interface SegmentTable {
  name: string;
  rows: number;
  columns: SegmentColumn[];
}

/** One table as the segment describes it. */
export interface TableInfo {
  name: string;
  /** Capacity: the most rows it holds. */
  rows: number;
  /** Rows in use. */
  used: number;
  bytes: number;
  columns: SegmentColumn[];
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
  tablesCreate(segment: string, tables: SegmentTable[]): number;
  tablesRemove(segment: string): boolean;
  /** Removes segments whose server is gone; foreign and corrupt ones are left alone and listed ("path: why"). */
  tablesSweep(prefix: string): { removed: string[]; skipped: string[] };
  tablesAttach(segment: string): void;
  tablesInspect(segment: string): SegmentInfo | null;
  tableRows(segment: string, table: string, limit: number, key?: string): RawRow[] | null;
}

export const nativeTables = (): TableFunctions => loadedAddon<TableFunctions>();

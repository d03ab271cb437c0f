import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { nativeTables } from '../native/tables-face.js';
import type { TableDefinition } from './table-definitions.js';
import { formatBytes } from '../sizes.js';

const SHM_DIR = '/dev/shm';

/** Every segment of this user starts with it, so a start can clean up after crashed servers. */
function segmentPrefix(): string {
  return `ephpm-${process.getuid?.() ?? 0}-`;
}

/**
 * A new segment name for the server that keeps `stateFile`: the state file's
 * real path hashed (which server it is, for a human looking at /dev/shm) plus
 * a random part, so that no one can create a file under the name first. The
 * supervisor hands the name to its workers and writes it in the state file,
 * where `ephpm table:*` read it.
 */
export function newSegmentName(stateFile: string): string {
  const dir = dirname(stateFile);
  const real = existsSync(dir) ? join(realpathSync(dir), basename(stateFile)) : stateFile;
  return `/${segmentPrefix()}${createHash('sha256').update(real).digest('hex').slice(0, 16)}-${randomBytes(8).toString('hex')}`;
}

export interface SharedTables {
  segment: string;
  bytes: number;
  remove(): void;
}

/** What the tables take of the server's settings. */
export interface TablesSettings {
  tables: TableDefinition[];
  /** The segment the supervisor made, passed to the workers. */
  tablesSegment?: string;
  stateFile: string;
}

/**
 * In the supervisor, before any worker is forked: removes segments left by
 * servers that are gone, then creates this server's tables.
 */
export function createTables(
  config: Pick<TablesSettings, 'tables' | 'stateFile'>,
  logger: Logger,
): SharedTables | null {
  const leftovers = existsSync(SHM_DIR) && readdirSync(SHM_DIR).some((name) => name.startsWith(segmentPrefix()));
  if (config.tables.length === 0 && !leftovers) return null;
  const addon = nativeTables();
  const { removed, skipped } = addon.tablesSweep(segmentPrefix());
  for (const name of removed) logger.info(`removed the shared tables ${SHM_DIR}${name} of a server that is gone`);
  for (const why of skipped) logger.warn(`left alone ${why}: not a segment this user's ephpm made`);
  if (config.tables.length === 0) return null;

  const segment = newSegmentName(config.stateFile);
  let bytes: number;
  try {
    bytes = addon.tablesCreate(segment, config.tables);
  } catch (error) {
    throw new EphpmError(
      'EPHPM_TABLES_FAILED',
      `The shared tables could not be created: ${(error as Error).message}.`,
      'Give the tables fewer rows or smaller string columns, or make /dev/shm larger.',
    );
  }
  const summary = config.tables.map((table) => `${table.name} (${table.rows} rows)`).join(', ');
  logger.info(`shared tables: ${summary}, ${formatBytes(bytes)} in ${SHM_DIR}${segment}`);
  return { segment, bytes, remove: () => void addon.tablesRemove(segment) };
}

/** In a worker process, before PHP starts: map the tables for \Ephpm\Octane\table(). Whether there were tables to map. */
export function attachTables(config: Pick<TablesSettings, 'tables' | 'tablesSegment'>): boolean {
  if (config.tables.length === 0 || !config.tablesSegment) return false;
  try {
    nativeTables().tablesAttach(config.tablesSegment);
  } catch (error) {
    throw new EphpmError(
      'EPHPM_TABLES_FAILED',
      `This worker cannot map the shared tables: ${(error as Error).message}.`,
      'Restart the server (ephpm stop, then ephpm serve).',
    );
  }
  return true;
}

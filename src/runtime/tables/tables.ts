import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ServerConfig } from '../config.js';
import { EphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { loadAddon } from '../php/addon.js';
import { formatBytes } from '../sizes.js';
import { attachOutbox } from '../cluster/outbox.js';

const SHM_DIR = '/dev/shm';

/** Every segment of this user starts with it, so a start can clean up after crashed servers. */
function segmentPrefix(): string {
  return `ephpm-${process.getuid?.() ?? 0}-`;
}

/**
 * The segment of the server that keeps `stateFile`: named after the state
 * file's real path, so two servers never share one and the CLI finds it.
 */
export function segmentName(stateFile: string): string {
  const dir = dirname(stateFile);
  const real = existsSync(dir) ? join(realpathSync(dir), basename(stateFile)) : stateFile;
  return `/${segmentPrefix()}${createHash('sha256').update(real).digest('hex').slice(0, 16)}`;
}

export interface SharedTables {
  segment: string;
  bytes: number;
  remove(): void;
}

/**
 * In the supervisor, before any worker is forked: removes segments left by
 * servers that are gone, then creates this server's tables.
 */
export function createTables(config: ServerConfig, logger: Logger): SharedTables | null {
  const leftovers = existsSync(SHM_DIR) && readdirSync(SHM_DIR).some((name) => name.startsWith(segmentPrefix()));
  if (config.tables.length === 0 && !leftovers) return null;
  const addon = loadAddon();
  for (const removed of addon.tablesSweep(segmentPrefix())) {
    logger.info(`removed the shared tables ${SHM_DIR}${removed} of a server that is gone`);
  }
  if (config.tables.length === 0) return null;

  mkdirSync(dirname(config.stateFile), { recursive: true });
  const segment = segmentName(config.stateFile);
  let bytes: number;
  try {
    bytes = addon.tablesCreate(segment, config.tables);
  } catch (error) {
    throw new EphpmError(
      'EPHPM_TABLES_FAILED',
      `The shared tables could not be created: ${(error as Error).message}.`,
      /in use by another/.test((error as Error).message)
        ? 'Stop that server first (ephpm stop), or give this one its own --state-file.'
        : 'Give the tables fewer rows or smaller string columns, or make /dev/shm larger.',
    );
  }
  const summary = config.tables.map((table) => `${table.name} (${table.rows} rows)`).join(', ');
  logger.info(`shared tables: ${summary}, ${formatBytes(bytes)} in ${SHM_DIR}${segment}`);
  return { segment, bytes, remove: () => void addon.tablesRemove(segment) };
}

/** In a worker process, before PHP starts: map the tables for \Ephpm\Octane\table(). */
export function attachTables(config: ServerConfig): void {
  if (config.tables.length === 0) return;
  try {
    loadAddon().tablesAttach(segmentName(config.stateFile));
  } catch (error) {
    throw new EphpmError('EPHPM_TABLES_FAILED', `This worker cannot map the shared tables: ${(error as Error).message}.`, 'Restart the server (ephpm stop, then ephpm serve).');
  }
  if (config.cluster) attachOutbox(config.cluster);
}

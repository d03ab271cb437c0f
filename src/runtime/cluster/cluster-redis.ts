import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { EphpmError } from '../errors.js';
import { packageRoot } from '../native/addon.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { displayRedisUrl } from './cluster-config.js';
import { joinNetstrings, splitNetstrings } from './netstrings.js';

// What the cluster keeps in Redis (one Redis database per cluster; docs/ARCHITECTURE.md, "Cluster mode"):
export const STREAM_KEY = 'ephpm:stream';
export const SCHEMA_KEY = 'ephpm:schema';
/** Per origin (node#boot), the last of its writes applied: a batch sent again after a lost reply counts once. */
export const APPLIED_KEY = 'ephpm:applied';
export const tableKey = (name: string) => `ephpm:table:${name}`;
/** A random id written once into a Redis that has no cluster data yet: missing or another id later, it lost it. */
export const EPOCH_KEY = 'ephpm:epoch';
/** Held by the server running as node `id` while it runs (node-claim.ts). */
export const nodeKey = (id: string) => `ephpm:node:${id}`;
/** Held by the node that prunes the cluster's copy this round (cluster-prune.ts). */
export const PRUNE_KEY = 'ephpm:pruning';
/** Entries the stream keeps (approximately); a node further behind reloads the tables instead. */
export const STREAM_BOUND = 100_000;

/** The script every write goes through, shared with StrongTable.php. */
export const REPLICATE_SCRIPT = readFileSync(
  join(packageRoot, 'composer-package', 'src', 'Cluster', 'replicate.lua'),
  'utf8',
);
const SCRIPT_SHA = createHash('sha1').update(REPLICATE_SCRIPT).digest('hex');

/** A connection that never queues commands while disconnected (they fail at once) and reconnects by itself. */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const { Redis } = await import('ioredis'); // loaded only in cluster mode
  return new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
  });
}

/** A configuration mistake (no retry will fix it), as opposed to Redis being unreachable for a while. */
export function isConfigurationError(error: Error): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid password|DB index is out of range|invalid DB index/i.test(error.message);
}

export function redisRefused(url: string, error: Error): EphpmError {
  return new EphpmError(
    'EPHPM_CLUSTER_REDIS',
    `Redis at ${displayRedisUrl(url)} refused this node: ${error.message}`,
    'Check the password and database number in [cluster] redis (or EPHPM_CLUSTER_REDIS), e.g. redis://:password@host:6379/0.',
  );
}

/** One call of replicate.lua (EVALSHA; the script itself when this Redis has not seen it yet). */
export async function replicate(redis: Redis, tables: string[], args: Array<Buffer | string>): Promise<unknown> {
  const keys = [STREAM_KEY, SCHEMA_KEY, APPLIED_KEY, EPOCH_KEY, ...tables.map(tableKey)];
  try {
    return await redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
  } catch (error) {
    if (!/NOSCRIPT/.test((error as Error).message)) throw error;
    return redis.eval(REPLICATE_SCRIPT, keys.length, ...keys, ...args);
  }
}

/** The epoch of this Redis: a new random one written first when it has none (a new cluster, or one that lost its data). */
export async function adoptEpoch(redis: Redis): Promise<string> {
  await redis.set(EPOCH_KEY, randomBytes(8).toString('hex'), 'NX');
  return (await redis.get(EPOCH_KEY)) ?? adoptEpoch(redis);
}

/** replicate.lua refused a batch: the Redis it reached is not the one this node followed (it lost the cluster's data). */
export function isEpochRefusal(error: unknown): boolean {
  return error instanceof Error && /^EPHPM_EPOCH/.test(error.message);
}

/** A table's columns as the script reads them: name, type, size for each. */
export function schemaSpec(table: TableDefinition): Buffer {
  return joinNetstrings(table.columns.flatMap((column) => [column.name, column.type, String(column.size)]));
}

/**
 * Records each replicated table's columns in Redis, or checks them against what another node recorded: every
 * node must define a replicated table the same way.
 */
export async function registerSchemas(redis: Redis, tables: TableDefinition[]): Promise<void> {
  for (const table of tables) {
    const spec = schemaSpec(table);
    await redis.hsetnx(SCHEMA_KEY, table.name, spec);
    const recorded = await redis.hgetBuffer(SCHEMA_KEY, table.name);
    if (recorded && !recorded.equals(spec)) {
      const theirs = splitNetstrings(recorded).map((part) => part.toString());
      const columns = [];
      for (let i = 0; i < theirs.length; i += 3)
        columns.push(`${theirs[i]} ${theirs[i + 1]}${theirs[i + 1] === 'string' ? `:${theirs[i + 2]}` : ''}`);
      throw new EphpmError(
        'EPHPM_CLUSTER_SCHEMA',
        `Table "${table.name}" is defined differently in the cluster: its copy in Redis has the columns ${columns.join(', ')}; this node's has ${table.columns.map((c) => `${c.name} ${c.type}${c.type === 'string' ? `:${c.size}` : ''}`).join(', ')}.`,
        `Every node must define a replicated table the same way. To change its columns, stop every node and delete the table's copy (redis-cli DEL ${tableKey(table.name)} and HDEL ${SCHEMA_KEY} ${table.name}), then start them with the new definition.`,
      );
    }
  }
}

/** A row of the cluster's copy: its key and every column as Redis holds it ('' = never set). */
export interface ClusterRow {
  key: Buffer;
  values: Buffer[];
}

/**
 * Every live row of a table's copy (HSCAN, so Redis is never blocked for long). Fields: a length byte and the key
 * is the row's state ('L' or 'D' + stamp); then 'v' + column a value, 's' + column its stamp.
 */
export async function readClusterRows(redis: Redis, table: TableDefinition): Promise<ClusterRow[]> {
  const rows = new Map<string, { key: Buffer; live: boolean; values: Buffer[] }>();
  const empty = Buffer.alloc(0);
  const row = (key: Buffer) => {
    const id = key.toString('latin1');
    let entry = rows.get(id);
    if (!entry) rows.set(id, (entry = { key, live: false, values: table.columns.map(() => empty) }));
    return entry;
  };
  let cursor = '0';
  do {
    const [next, fields] = await redis.hscanBuffer(tableKey(table.name), cursor, 'COUNT', 1000);
    cursor = next.toString();
    for (let i = 0; i < fields.length; i += 2) {
      const field = fields[i]!;
      const keyLength = field[0]!;
      const key = field.subarray(1, 1 + keyLength);
      if (field.length === 1 + keyLength) {
        row(key).live = fields[i + 1]![0] === 0x4c; // 'L'
      } else if (field[1 + keyLength] === 0x76) {
        // 'v'
        const column = table.columns.findIndex((c) => c.name === field.toString('utf8', 2 + keyLength));
        if (column >= 0) row(key).values[column] = fields[i + 1]!;
      }
    }
  } while (cursor !== '0');
  return [...rows.values()].filter((entry) => entry.live).map(({ key, values }) => ({ key, values }));
}

/** Stream ids are "<ms>-<n>"; compared as numbers. */
export function compareIds(a: string, b: string): number {
  const [am = 0n, an = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bn = 0n] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : an === bn ? 0 : an < bn ? -1 : 1;
}

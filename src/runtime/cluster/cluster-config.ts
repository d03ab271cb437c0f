import { EphpmError } from '../errors.js';
import { parseByteSize } from '../sizes.js';
import { CACHE_TABLE } from '../tables/cache-table.js';
import type { TableDefinition } from '../tables/table-definitions.js';

/** Cluster mode (`[cluster]`): the shared tables replicated across machines through Redis. */
export interface ClusterConfig {
  /** `redis://[:password@]host[:port][/db]` or `rediss://…` (TLS), as given; shown only through `displayRedisUrl()`. */
  redis: string;
  /** This node's id in the cluster: `[cluster] node` / EPHPM_CLUSTER_NODE, else `<hostname>:<port>` (see `nodeId()`). */
  node: string | null;
  /** The replicated tables, by name. */
  tables: string[];
  /** Replicated writes a node holds while Redis is unreachable, in bytes; past it they are dropped (see ARCHITECTURE). */
  backlogBytes: number;
  /**
   * After how long Redis forgets a deleted key (its tombstone) and the applied seq of a server gone for that long;
   * a node holds back none of its writes older than this (see ARCHITECTURE, "What Redis keeps, and for how long").
   */
  forgetAfterMs: number;
  /** The outbox's shared memory, named by the supervisor before it forks the workers. */
  outbox?: string;
}

/** Flags / EPHPM_* variables, which win over the file. */
export interface ClusterOptions {
  clusterRedis?: string;
  clusterNode?: string;
}

const KEYS = ['redis', 'node', 'tables', 'backlog', 'forget_after'];
const EXAMPLE = '[cluster]\nredis = "redis://127.0.0.1:6379"';
export const DEFAULT_BACKLOG = '64M';
/** A day: a node cut off from Redis overnight still sends what it wrote; a deleted key costs Redis a few dozen bytes for that long. */
export const DEFAULT_FORGET_AFTER_SECONDS = 86_400;

/**
 * `[cluster]` of ephpm.toml with EPHPM_CLUSTER_REDIS / EPHPM_CLUSTER_NODE over it; null (no cluster, no Redis)
 * when neither the section nor the variable is there. `tables` are the server's tables, to check the names.
 */
export function clusterSetting(
  options: ClusterOptions,
  section: unknown,
  file: string,
  tables: TableDefinition[],
): ClusterConfig | null {
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section))) {
    throw bad(`${file}: cluster must be a section ([cluster]); got ${JSON.stringify(section)}.`);
  }
  const settings = (section ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0)
    throw bad(`${file}: unknown setting cluster.${unknown.join(', cluster.')}. Known settings: ${KEYS.join(', ')}.`);
  if (section === undefined && options.clusterRedis === undefined) return null;

  const fromFile = settings.redis;
  if (options.clusterRedis === undefined && (typeof fromFile !== 'string' || fromFile === '')) {
    throw bad(`${file}: [cluster] needs redis, the Redis every node shares; got ${JSON.stringify(fromFile)}.`);
  }
  const redis =
    options.clusterRedis !== undefined
      ? checkRedisUrl(options.clusterRedis, 'EPHPM_CLUSTER_REDIS (--cluster-redis)')
      : checkRedisUrl(fromFile as string, `${file}: cluster.redis`);
  const node =
    options.clusterNode !== undefined
      ? checkNode(options.clusterNode, 'EPHPM_CLUSTER_NODE (--cluster-node)')
      : settings.node === undefined
        ? null
        : checkNode(settings.node, `${file}: cluster.node`);
  const backlog = settings.backlog;
  if (backlog !== undefined && typeof backlog !== 'string' && typeof backlog !== 'number')
    throw bad(`${file}: cluster.backlog must be a size like "64M"; got ${JSON.stringify(backlog)}.`);
  return {
    redis,
    node,
    tables: replicatedTables(settings.tables, `${file}: cluster.tables`, tables),
    backlogBytes: parseByteSize(backlog ?? DEFAULT_BACKLOG, 'cluster.backlog'),
    forgetAfterMs: forgetAfter(settings.forget_after, `${file}: cluster.forget_after`),
  };
}

/**
 * By default every table but the `octane` cache store's (its rows are per-node work: intervals each node resolves,
 * a refresh stamp its tick worker writes every second, values up to `bytes` long that expire and churn; a cache
 * shared across machines is what Laravel's own `redis` store is for). Name it in `tables` to replicate it too.
 */
function replicatedTables(value: unknown, setting: string, tables: TableDefinition[]): string[] {
  const names = tables.map((table) => table.name);
  if (value === undefined) return names.filter((name) => name !== CACHE_TABLE);
  if (!Array.isArray(value) || value.some((name) => typeof name !== 'string')) {
    throw bad(`${setting} must be a list of table names, like tables = ["users"]; got ${JSON.stringify(value)}.`);
  }
  const missing = (value as string[]).filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw bad(
      `${setting} names ${missing.map((name) => `"${name}"`).join(', ')}, which this server does not define. Its tables: ${names.join(', ') || 'none'}.`,
      'List tables defined in [tables] (or "octane.cache" with [cache]).',
    );
  }
  return [...new Set(value as string[])];
}

function forgetAfter(value: unknown, setting: string): number {
  if (value === undefined) return DEFAULT_FORGET_AFTER_SECONDS * 1000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw bad(
      `${setting} must be a whole number of seconds, at least 1 (default ${DEFAULT_FORGET_AFTER_SECONDS}, a day); got ${JSON.stringify(value)}.`,
      'For example:\n[cluster]\nforget_after = 86400',
    );
  }
  return value * 1000;
}

function checkRedisUrl(text: string, setting: string): string {
  const problem = redisUrlProblem(text);
  if (problem) {
    throw bad(
      `${setting} ${problem}; got ${JSON.stringify(text)}.`,
      'Write it like redis://127.0.0.1:6379, redis://:password@host:6379/2 (database 2) or rediss://host:6380 (TLS).',
    );
  }
  return text;
}

function redisUrlProblem(text: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return 'must start with redis:// or rediss:// (TLS)';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `must start with redis:// or rediss:// (TLS), not ${url.protocol}//`;
  if (url.hostname === '') return 'has no host';
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname))
    return 'may only have a database number as its path (/0 … /15)';
  if (url.search !== '' || url.hash !== '') return 'takes no ?query or #fragment';
  return null;
}

function checkNode(value: unknown, setting: string): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(value)) {
    throw bad(
      `${setting} must be 1 to 64 printable characters without spaces (a name unique in the cluster); got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/** The URL without its password, for logs and `ephpm status`. */
export function displayRedisUrl(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = '***';
  return url.toString().replace(/\/$/, '');
}

function bad(message: string, hint = `For example:\n${EXAMPLE}`): EphpmError {
  return new EphpmError('EPHPM_BAD_CONFIG', message, hint);
}

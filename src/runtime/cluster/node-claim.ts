import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { EphpmError } from '../errors.js';
import { nodeKey } from './cluster-redis.js';

/** How long a claim outlives its last refresh: the id of a server that crashed is free again after this. */
export const CLAIM_TTL_MS = 5000;
export const CLAIM_REFRESH_MS = 1000;
const POLL_MS = 200;

// Keeps the claim while this server holds it, or takes it back when nobody does (it expired, or Redis lost it);
// else returns who holds it.
const REFRESH = `local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ''`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A node's id is held in Redis by one server at a time (`ephpm:node:<id>` = which server, with a TTL it refreshes):
 * two servers with one id would stamp their writes alike and could override each other's.
 */
export class NodeClaim {
  /** Which server holds it: what another server with the same id is told. */
  readonly holder: string;
  private readonly key: string;

  constructor(
    readonly node: string,
    port: number,
    boot: string,
  ) {
    this.key = nodeKey(node);
    this.holder = `pid ${process.pid} on ${hostname()}, port ${port}, boot ${boot}`;
  }

  /**
   * At start: takes the id. A claim someone still refreshes means a live server has it: refused. A claim nobody
   * refreshes (a server that crashed) is waited out, at most CLAIM_TTL_MS.
   */
  async take(redis: Redis, redisUrl: string, onWait: (holder: string) => void): Promise<void> {
    let lastTtl = Infinity;
    let waited = false;
    for (;;) {
      if ((await redis.set(this.key, this.holder, 'PX', CLAIM_TTL_MS, 'NX')) === 'OK') return;
      const holder = await redis.get(this.key);
      const ttl = await redis.pttl(this.key);
      if (holder === null) continue;
      if (ttl > lastTtl || ttl === -1) throw nodeTaken(this.node, holder, redisUrl);
      lastTtl = ttl;
      if (!waited) onWait(holder);
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** While running: null while this server holds the id (taken back if it had expired), else who holds it now. */
  async refresh(redis: Redis): Promise<string | null> {
    const holder = (await redis.eval(REFRESH, 1, this.key, this.holder, String(CLAIM_TTL_MS))) as string;
    return holder === '' ? null : holder;
  }

  /** A graceful stop: the id is free at once (unless another server holds it by now). */
  async release(redis: Redis): Promise<void> {
    await redis.eval(RELEASE, 1, this.key, this.holder);
  }
}

export function nodeTaken(node: string, holder: string, redisUrl: string): EphpmError {
  return new EphpmError(
    'EPHPM_CLUSTER_NODE_TAKEN',
    `Node id "${node}" is taken: another ephpm server runs as node "${node}" in the cluster at ${redisUrl} (${holder}).`,
    `Give each server its own id: [cluster] node in ephpm.toml, or EPHPM_CLUSTER_NODE (--cluster-node); without either it is <hostname>:<port>. ` +
      `A server that crashed holds its id for ${CLAIM_TTL_MS / 1000} s at most.`,
  );
}

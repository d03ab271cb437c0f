import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { EphpmError, isEphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
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

/** The node id as a running server holds it: taken once, then kept; another server found holding it is said once. */
export class HeldNodeId {
  private held = false;
  /** Who else held it, last time it was found taken (said once per holder). */
  private takenBy: string | null = null;

  constructor(
    private readonly claim: NodeClaim,
    private readonly redisUrl: string,
    private readonly logger: Logger,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * The first time: takes the id; a live server holding it stops this one from starting (or, when this one started
   * while Redis was unreachable and serves already, is reported). After: keeps it. Returns what to show as the
   * link's last error when another server is found holding it, else null.
   */
  async hold(redis: Redis, serving: boolean): Promise<string | null> {
    if (this.held) return this.keep(redis);
    try {
      await this.claim.take(redis, this.redisUrl, (holder) =>
        this.logger.warn(
          `cluster: node id "${this.claim.node}" is held by a server that no longer refreshes it (${holder}; crashed?): waiting up to ${CLAIM_TTL_MS / 1000} s for it to expire`,
        ),
      );
    } catch (error) {
      if (!serving || !isEphpmError(error)) throw error;
      this.held = true;
      return this.keep(redis); // says who has it
    }
    this.held = true;
    return null;
  }

  /** Keeps the id (taken back if it expired); loudly, once per holder, when another server has it. */
  async keep(redis: Redis): Promise<string | null> {
    const holder = await this.claim.refresh(redis);
    if (holder === null || holder === this.takenBy) {
      this.takenBy = holder;
      return null;
    }
    this.takenBy = holder;
    const node = this.claim.node;
    this.logger.error(
      `cluster: node id "${node}" was taken by another server while this one was away from Redis (${holder}). ` +
        `Two servers now run as node "${node}": their writes carry the same id and can override each other's. ` +
        `Stop one of them and give it its own id ([cluster] node in ephpm.toml, or EPHPM_CLUSTER_NODE).`,
    );
    return `node id "${node}" taken by another server (${holder})`;
  }

  /** A graceful stop: the id is free at once, unless another server holds it. */
  async release(redis: Redis): Promise<void> {
    if (this.held && this.takenBy === null) await this.claim.release(redis).catch(() => undefined);
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

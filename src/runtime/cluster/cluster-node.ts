import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { ClusterStatus } from '../metrics/server-status.js';
import type { Logger } from '../logger.js';
import { nativeCluster, type ClusterFunctions } from '../native/cluster-face.js';
import { nativeTables } from '../native/tables-face.js';
import { formatBytes } from '../sizes.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { displayRedisUrl, type ClusterConfig } from './cluster-config.js';
import { prune, pruneRoundMs, takePruneTurn } from './cluster-prune.js';
import {
  adoptEpoch,
  connectRedis,
  EPOCH_KEY,
  isConfigurationError,
  readClusterRows,
  redisRefused,
  registerSchemas,
} from './cluster-redis.js';
import { CLAIM_REFRESH_MS, HeldNodeId, NodeClaim } from './node-claim.js';
import { outboxPrefix } from './outbox.js';
import { OUTBOX_BYTES, OutgoingWrites } from './outgoing-writes.js';
import { RecentWrites } from './recent-writes.js';
import { StreamFollower } from './stream-follower.js';
import { rowId, writeBack } from './write-back.js';

const DRAIN_EVERY_MS = 5;
const SHUTDOWN_FLUSH_MS = 5000;

/**
 * The supervisor's part of cluster mode (docs/ARCHITECTURE.md, "Cluster mode"): connects to Redis, and keeps this
 * node's writes going out (OutgoingWrites) and everyone's coming in (StreamFollower) through outages, a Redis that
 * lost the cluster's data (written back) and another server taking this node's id; keeps serving on its own copy of
 * the tables while Redis is unreachable.
 */
export class ClusterNode {
  /** This process's writes in the stream: the node id, and a boot id so a restarted node is not taken for itself. */
  private readonly origin: string;
  private readonly redisUrl: string;
  private readonly replicated: Array<{ index: number; table: TableDefinition }>;
  private readonly writes: OutgoingWrites;
  private readonly stream: StreamFollower;
  private state: ClusterStatus['state'] = 'syncing';
  private since = new Date();
  private lastError: string | null = null;
  private warned = new Set<string>();
  /** The id of the Redis this node follows (ephpm:epoch): null until it first reached one. */
  private redisEpoch: string | null = null;
  /** Writing the tables back into a Redis that lost them: batches go without the epoch check until it is done. */
  private restoring = false;
  /** The newest write this node knows of each recently written row: which node's row a write-back takes. */
  private readonly recent = new RecentWrites();
  private readonly nodeId: HeldNodeId;
  /** start() is over: the workers serve (a refused node id no longer stops the server). */
  private serving = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private watching = false;
  private nextPruneAt = 0;
  private resuming: Promise<void> | null = null;
  /** The first connection attempt: failures are reported once it is over (refused, or degraded). */
  private connecting = true;
  private stopped = false;
  private drainTimer: NodeJS.Timeout | null = null;
  private connectedWaiters: Array<() => void> = [];
  private cmd!: Redis;
  private reader!: Redis;

  private constructor(
    private readonly config: ClusterConfig & { node: string },
    private readonly tables: TableDefinition[],
    private readonly logger: Logger,
    private readonly native: ClusterFunctions,
    private readonly segment: string,
    port: number,
  ) {
    const boot = randomBytes(4).toString('hex');
    this.origin = `${config.node}#${boot}`;
    this.redisUrl = displayRedisUrl(config.redis);
    this.nodeId = new HeldNodeId(new NodeClaim(config.node, port, boot), this.redisUrl, logger);
    this.replicated = tables
      .map((table, index) => ({ index, table }))
      .filter(({ table }) => config.tables.includes(table.name));
    this.writes = new OutgoingWrites(
      {
        origin: this.origin,
        node: config.node,
        backlogBytes: config.backlogBytes,
        forgetAfterMs: config.forgetAfterMs,
        redis: () => this.cmd,
        connected: () => this.state === 'connected',
        epochCheck: () => (this.restoring ? 'e:*' : `e:${this.redisEpoch}`),
        refusedByEpoch: () => {
          if (this.state === 'connected') void this.resume().catch((failure: Error) => this.degrade(failure));
        },
        overflowedWhileConnected: () => void this.reloadAfterOverflow(),
        degrade: (error) => this.degrade(error),
        warnOnce: (what, message) => this.warnOnce(what, message),
      },
      native,
      tables,
      this.recent,
      logger,
    );
    this.stream = new StreamFollower(
      {
        origin: this.origin,
        redis: () => this.cmd,
        reader: () => this.reader,
        whenConnected: () => this.whenConnected(),
        stopped: () => this.stopped,
        degrade: (error) => this.degrade(error),
        warnOnce: (what, message) => this.warnOnce(what, message),
      },
      this.writes,
      native,
      tables,
      this.replicated,
      this.recent,
    );
  }

  /**
   * Before the workers are forked: makes the outbox (its name goes to the workers in `server.cluster.outbox`),
   * connects and loads the tables from Redis. Redis unreachable: starts degraded (logged) and catches up later;
   * Redis refusing the password or database, or defining a table differently: refuses to start.
   */
  static async start(
    server: { cluster: ClusterConfig | null; port: number; tables: TableDefinition[] },
    tablesSegment: string,
    logger: Logger,
  ): Promise<ClusterNode> {
    const cluster = server.cluster!;
    const native = nativeCluster();
    for (const removed of native.clusterSweep(outboxPrefix()))
      logger.info(`removed the cluster outbox /dev/shm${removed} of a server that is gone`);
    cluster.outbox = `/${outboxPrefix()}${process.pid}-${randomBytes(6).toString('hex')}`;
    cluster.node ??= `${hostname()}:${server.port}`;
    nativeTables().tablesAttach(tablesSegment);
    native.clusterCreate(
      cluster.outbox,
      server.tables.map((table) => cluster.tables.includes(table.name)),
      OUTBOX_BYTES,
    );
    const node = new ClusterNode(
      cluster as ClusterConfig & { node: string },
      server.tables,
      logger,
      native,
      tablesSegment,
      server.port,
    );
    try {
      await node.connect();
    } catch (error) {
      await node.close();
      throw error;
    }
    node.drainTimer = setInterval(() => node.writes.drain(), DRAIN_EVERY_MS);
    node.watchTimer = setInterval(() => void node.watch(), CLAIM_REFRESH_MS);
    node.serving = true;
    void node.stream.follow();
    return node;
  }

  /** After the workers are gone: the last writes go out (for a few seconds at most), then everything is closed. */
  async stop(): Promise<void> {
    if (this.drainTimer) clearInterval(this.drainTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.writes.drain();
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.writes.count > 0 && this.state !== 'degraded' && Date.now() < deadline) {
      await this.writes.send();
      if (this.writes.count > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.writes.count > 0)
      this.logger.warn(
        `cluster: ${this.writes.count} writes of this node never reached Redis (${this.lastError ?? 'it did not answer in time'}); the other nodes do not have them`,
      );
    await this.close();
  }

  status(): ClusterStatus {
    return {
      node: this.config.node,
      redis: this.redisUrl,
      state: this.state,
      since: this.since.toISOString(),
      lastError: this.lastError,
      lagMs: this.stream.lagMs,
      backlog: this.writes.count,
      backlogBytes: this.writes.bytes,
      dropped: this.writes.dropped,
      tables: this.replicated.map(({ table }) => table.name),
    };
  }

  /** The cluster's copy of a table, for `ephpm table:dump --cluster`. */
  async clusterRows(name: string): Promise<Array<{ key: Buffer; values: Buffer[] }>> {
    const entry = this.replicated.find(({ table }) => table.name === name);
    if (!entry) throw new Error(`table "${name}" is not replicated`);
    if (this.state === 'degraded')
      throw new Error(`Redis at ${this.redisUrl} is unreachable (${this.lastError ?? 'no answer'})`);
    return readClusterRows(this.cmd, entry.table);
  }

  private async connect(): Promise<void> {
    this.cmd = await connectRedis(this.config.redis, `ephpm ${this.config.node}`);
    this.reader = await connectRedis(this.config.redis, `ephpm ${this.config.node} stream`);
    let cause: Error | null = null;
    for (const connection of [this.cmd, this.reader]) {
      connection.on('error', (error: Error) => {
        cause = error;
        this.degrade(error);
      });
      connection.on('close', () => this.degrade(cause ?? new Error('the connection closed')));
    }
    try {
      await Promise.all([this.cmd.connect(), this.reader.connect()]);
      this.connecting = false;
    } catch (error) {
      this.connecting = false;
      const reason = cause ?? (error as Error);
      if (isConfigurationError(reason)) throw redisRefused(this.config.redis, reason);
      this.degrade(reason);
    }
    for (const connection of [this.cmd, this.reader])
      connection.on('ready', () => void this.resume().catch((error: Error) => this.degrade(error)));
    if (this.cmd.status === 'ready' && this.reader.status === 'ready') await this.resume();
  }

  /**
   * Connected again (or for the first time), or the Redis reached lost the cluster's data: hold the node id, send
   * what waited (or write the tables back), then catch up with the stream or reload.
   */
  private resume(): Promise<void> {
    if (this.cmd.status !== 'ready' || this.reader.status !== 'ready' || this.stopped) return Promise.resolve();
    this.resuming ??= (async () => {
      const wasDegraded = this.state === 'degraded';
      const started = Date.now();
      this.setState('syncing');
      this.lastError = (await this.nodeId.hold(this.cmd, this.serving)) ?? this.lastError;
      let sent = 0;
      do {
        await this.writes.settled(); // a batch in flight settles before the backlog is rebuilt
        this.writes.epochRefused = false;
        const epoch = await this.cmd.get(EPOCH_KEY);
        if (this.redisEpoch === null) this.redisEpoch = await adoptEpoch(this.cmd);
        else if (epoch !== this.redisEpoch) this.startWriteBack(epoch);
        await registerSchemas(
          this.cmd,
          this.replicated.map(({ table }) => table),
        );
        this.writes.dropPastHorizon();
        sent += this.writes.ownCount;
        while (this.writes.count > 0 && this.state !== 'degraded' && !this.writes.epochRefused)
          await this.writes.send(true);
        if (this.state === 'degraded') return;
      } while (this.writes.epochRefused);
      if (this.restoring) await this.finishWriteBack();
      if (this.stream.lastId === null || this.writes.overflowed || (await this.stream.missedEntries()))
        await this.stream.reload();
      this.lastError = null;
      this.setState('connected');
      if (wasDegraded)
        this.logger.info(
          `cluster: Redis at ${this.redisUrl} answers again: sent ${sent} writes that waited, caught up in ${Date.now() - started} ms`,
        );
    })().finally(() => (this.resuming = null));
    return this.resuming;
  }

  /**
   * Every second: keeps the node id, checks that Redis is still the one this node follows (a FLUSHALL, or a restart
   * without persistence, keeps the connection or comes back empty), and prunes when it is this node's turn.
   */
  private async watch(): Promise<void> {
    if (this.watching || this.stopped || !this.nodeId.isHeld || this.cmd.status !== 'ready') return;
    this.watching = true;
    try {
      this.lastError = (await this.nodeId.keep(this.cmd)) ?? this.lastError;
      if (this.state !== 'connected' || this.resuming) return;
      if ((await this.cmd.get(EPOCH_KEY)) !== this.redisEpoch) {
        void this.resume().catch((error: Error) => this.degrade(error));
        return;
      }
      this.recent.rotate();
      if (Date.now() >= this.nextPruneAt) void this.pruneIfMyTurn().catch(() => undefined); // failed: done next round
    } catch {
      // unreachable: the connection's events say so
    } finally {
      this.watching = false;
    }
  }

  /** Runs beside the watch (a long round must not hold up the id's refresh). */
  private async pruneIfMyTurn(): Promise<void> {
    const round = pruneRoundMs(this.config.forgetAfterMs);
    this.nextPruneAt = Number.POSITIVE_INFINITY; // until this round is over
    try {
      if (await takePruneTurn(this.cmd, this.origin, round)) await this.pruneNow();
    } finally {
      this.nextPruneAt = Date.now() + round;
    }
  }

  private async pruneNow(): Promise<void> {
    const { keys, origins } = await prune(
      this.cmd,
      this.replicated.map(({ table }) => table.name),
      this.config.forgetAfterMs,
    );
    if (keys + origins > 0)
      this.logger.info(
        `cluster: Redis forgot ${keys} deleted keys and ${origins} server starts older than [cluster] forget_after (${this.config.forgetAfterMs / 1000} s)`,
      );
  }

  /** This Redis is not the one this node followed: it lost the cluster's data. Write the tables back into it. */
  private startWriteBack(epoch: string | null): void {
    this.logger.warn(
      `cluster: Redis at ${this.redisUrl} lost the cluster's data (${epoch === null ? `${EPOCH_KEY} is gone` : `${EPOCH_KEY} changed`}: restarted empty or flushed); ` +
        `this node writes its tables back into it, and follows it again`,
    );
    this.stream.discardInFlight();
    this.writes.replaceWith(
      writeBack({
        tables: nativeTables(),
        segment: this.segment,
        replicated: this.replicated,
        earlier: this.writes.records,
        take: () => this.writes.take(),
        freshest: (table, key) => this.recent.get(rowId(table, key)),
        lastSeq: this.writes.lastSeq,
      }),
    );
    this.restoring = true;
    this.writes.overflowed = false;
    this.stream.lastId = '0-0'; // everything in this Redis's stream is since it lost the data: the other nodes' rows
  }

  private async finishWriteBack(): Promise<void> {
    this.redisEpoch = await adoptEpoch(this.cmd);
    this.restoring = false;
    this.logger.info(`cluster: wrote this node's tables back into Redis at ${this.redisUrl}`);
  }

  private degrade(error: Error): void {
    this.lastError = error.message;
    if (this.stopped || this.connecting || this.state === 'degraded') return;
    this.setState('degraded');
    this.stream.discardInFlight();
    this.logger.warn(
      `cluster: Redis at ${this.redisUrl} is unreachable (${error.message}): this node reads and writes its own copy of the tables ` +
        `and sends its writes when Redis answers (up to ${formatBytes(this.config.backlogBytes)} of them, [cluster] backlog)`,
    );
  }

  private setState(state: ClusterStatus['state']): void {
    if (state === this.state) return;
    this.state = state;
    this.since = new Date();
    if (state === 'connected') for (const resolve of this.connectedWaiters.splice(0)) resolve();
  }

  private whenConnected(): Promise<void> {
    return this.state === 'connected' || this.stopped
      ? Promise.resolve()
      : new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  private async close(): Promise<void> {
    this.stopped = true;
    for (const resolve of this.connectedWaiters.splice(0)) resolve();
    if (this.cmd?.status === 'ready') await this.nodeId.release(this.cmd);
    this.cmd?.disconnect();
    this.reader?.disconnect();
    if (this.config.outbox) this.native.clusterRemove(this.config.outbox);
  }

  /** Writes were dropped while Redis answered (a burst faster than it takes them): once the rest is in, take the cluster's copy. */
  private reloadAfterOverflow(): Promise<void> {
    this.resuming ??= (async () => {
      this.setState('syncing');
      await this.stream.reload();
      this.setState('connected');
    })()
      .catch((error: Error) => this.degrade(error))
      .finally(() => (this.resuming = null));
    return this.resuming;
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.logger.warn(message);
  }
}

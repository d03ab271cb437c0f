import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { ClusterStatus } from '../metrics/server-status.js';
import { isEphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Applied, nativeCluster, type ClusterFunctions } from '../native/cluster-face.js';
import { nativeTables } from '../native/tables-face.js';
import { formatBytes } from '../sizes.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { displayRedisUrl, type ClusterConfig } from './cluster-config.js';
import { prune, pruneRoundMs, takePruneTurn } from './cluster-prune.js';
import {
  adoptEpoch,
  compareIds,
  connectRedis,
  EPOCH_KEY,
  isConfigurationError,
  isEpochRefusal,
  readClusterRows,
  redisRefused,
  registerSchemas,
  replicate,
  STREAM_BOUND,
  STREAM_KEY,
} from './cluster-redis.js';
import { splitNetstrings } from './netstrings.js';
import { CLAIM_REFRESH_MS, CLAIM_TTL_MS, NodeClaim } from './node-claim.js';
import { decodeRecords, stampMs, type OutboxRecord } from './outbox-records.js';
import { outboxPrefix } from './outbox.js';
import { RecentWrites } from './recent-writes.js';
import { isWriteBack, rowId, writeBack } from './write-back.js';

const DRAIN_EVERY_MS = 5;
const DRAIN_BYTES = 1 << 20;
const OUTBOX_BYTES = 64 << 20;
const BATCH_OPS = 500;
const READ_COUNT = 1000;
const SHUTDOWN_FLUSH_MS = 5000;

/**
 * The supervisor's part of cluster mode (docs/ARCHITECTURE.md, "Cluster mode"): takes this node's writes out of the
 * outbox and sends them to Redis in batches (replicate.lua), follows the stream and applies the rows other nodes
 * (and strong() writes) left, loads the tables from Redis when it starts, reconnects or fell too far behind, and
 * keeps serving on its own copy while Redis is unreachable.
 */
export class ClusterNode {
  /** This process's writes in the stream: the node id, and a boot id so a restarted node is not taken for itself. */
  private readonly origin: string;
  private readonly redisUrl: string;
  private readonly replicated: Array<{ index: number; table: TableDefinition }>;
  /** Rows with a write of this node on its way to Redis: the last one's seq (its row, when it comes back, is the one to apply). */
  private readonly pending = new Map<string, number>();
  private backlog: OutboxRecord[] = [];
  private backlogBytes = 0;
  private sending: Promise<void> | null = null;
  private lastId: string | null = null;
  private state: ClusterStatus['state'] = 'syncing';
  private since = new Date();
  private lastError: string | null = null;
  private lagMs: number | null = null;
  private dropped = 0;
  private outboxDropped = 0;
  /** Writes were dropped: once Redis answers, this node takes the cluster's copy again. */
  private overflowed = false;
  private warned = new Set<string>();
  /** The id of the Redis this node follows (ephpm:epoch): null until it first reached one. */
  private redisEpoch: string | null = null;
  /** Writing the tables back into a Redis that lost them: batches go without the epoch check until it is done. */
  private restoring = false;
  /** A batch was refused: the Redis it reached is not the one this node followed. */
  private epochRefused = false;
  /** The newest write this node knows of each recently written row: which node's row a write-back takes. */
  private readonly recent = new RecentWrites();
  private readonly claim: NodeClaim;
  private claimed = false;
  /** Who else held this node's id, last time it was found taken (said once per holder). */
  private claimTakenBy: string | null = null;
  private lastSeq = 0;
  /** start() is over: the workers serve (a refused node id no longer stops the server). */
  private serving = false;
  private watchTimer: NodeJS.Timeout | null = null;
  private watching = false;
  private nextPruneAt = 0;
  /** Bumped by every reload, so a stream read that was in flight meanwhile is thrown away. */
  private epoch = 0;
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
    this.claim = new NodeClaim(config.node, port, boot);
    this.redisUrl = displayRedisUrl(config.redis);
    this.replicated = tables
      .map((table, index) => ({ index, table }))
      .filter(({ table }) => config.tables.includes(table.name));
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
    node.drainTimer = setInterval(() => node.drain(), DRAIN_EVERY_MS);
    node.watchTimer = setInterval(() => void node.watch(), CLAIM_REFRESH_MS);
    node.serving = true;
    void node.follow();
    return node;
  }

  /** After the workers are gone: the last writes go out (for a few seconds at most), then everything is closed. */
  async stop(): Promise<void> {
    if (this.drainTimer) clearInterval(this.drainTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.drain();
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.backlog.length > 0 && this.state !== 'degraded' && Date.now() < deadline) {
      await this.send();
      if (this.backlog.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (this.backlog.length > 0)
      this.logger.warn(
        `cluster: ${this.backlog.length} writes of this node never reached Redis (${this.lastError ?? 'it did not answer in time'}); the other nodes do not have them`,
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
      lagMs: this.lagMs,
      backlog: this.backlog.length,
      backlogBytes: this.backlogBytes,
      dropped: this.dropped,
      tables: this.replicated.map(({ table }) => table.name),
    };
  }

  /** The cluster's copy of a table, for `ephpm table:dump --cluster`. */
  async clusterRows(name: string): Promise<Array<{ key: Buffer; values: Buffer[] }>> {
    const entry = this.replicated.find(({ table }) => table.name === name);
    if (!entry) throw new Error(`table "${name}" is not replicated`);
    return readClusterRows(this.cmd, entry.table);
  }

  // ---- connection ----

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
      await this.holdNodeId();
      let sent = 0;
      do {
        await this.sending?.catch(() => undefined); // a batch in flight settles before the backlog is rebuilt
        this.epochRefused = false;
        const epoch = await this.cmd.get(EPOCH_KEY);
        if (this.redisEpoch === null) this.redisEpoch = await adoptEpoch(this.cmd);
        else if (epoch !== this.redisEpoch) this.startWriteBack(epoch);
        await registerSchemas(
          this.cmd,
          this.replicated.map(({ table }) => table),
        );
        this.dropWritesPastHorizon();
        sent += this.backlog.filter((record) => !isWriteBack(record)).length;
        while (this.backlog.length > 0 && this.state !== 'degraded' && !this.epochRefused) await this.send(true);
        if (this.state === 'degraded') return;
      } while (this.epochRefused);
      if (this.restoring) await this.finishWriteBack();
      if (this.lastId === null || this.overflowed || (await this.missedEntries())) await this.reload();
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
   * The first time: take the node id; a live server holding it stops this one from starting (or, when this one
   * started while Redis was unreachable and serves already, is reported). After: keep it, loudly when it was taken.
   */
  private async holdNodeId(): Promise<void> {
    if (this.claimed) return this.refreshNodeId();
    try {
      await this.claim.take(this.cmd, this.redisUrl, (holder) =>
        this.logger.warn(
          `cluster: node id "${this.config.node}" is held by a server that no longer refreshes it (${holder}; crashed?): waiting up to ${CLAIM_TTL_MS / 1000} s for it to expire`,
        ),
      );
    } catch (error) {
      if (this.serving && isEphpmError(error)) {
        this.claimed = true;
        return this.refreshNodeId(); // says who has it
      }
      throw error;
    }
    this.claimed = true;
  }

  private async refreshNodeId(): Promise<void> {
    const holder = await this.claim.refresh(this.cmd);
    if (holder === null || holder === this.claimTakenBy) {
      this.claimTakenBy = holder;
      return;
    }
    this.claimTakenBy = holder;
    this.lastError = `node id "${this.config.node}" taken by another server (${holder})`;
    this.logger.error(
      `cluster: node id "${this.config.node}" was taken by another server while this one was away from Redis (${holder}). ` +
        `Two servers now run as node "${this.config.node}": their writes carry the same id and can override each other's. ` +
        `Stop one of them and give it its own id ([cluster] node in ephpm.toml, or EPHPM_CLUSTER_NODE).`,
    );
  }

  /**
   * Every second: keeps the node id, checks that Redis is still the one this node follows (a FLUSHALL, or a restart
   * without persistence, keeps the connection or comes back empty), and prunes when it is this node's turn.
   */
  private async watch(): Promise<void> {
    if (this.watching || this.stopped || !this.claimed || this.cmd.status !== 'ready') return;
    this.watching = true;
    try {
      await this.refreshNodeId();
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
    this.epoch++;
    const ops = writeBack({
      tables: nativeTables(),
      segment: this.segment,
      replicated: this.replicated,
      earlier: this.backlog,
      take: () => this.takeRecords(),
      freshest: (table, key) => this.recent.get(rowId(table, key)),
      lastSeq: this.lastSeq,
    });
    this.backlog = [];
    this.backlogBytes = 0;
    this.pending.clear();
    for (const record of ops) this.queue(record);
    this.restoring = true;
    this.overflowed = false;
    this.lastId = '0-0'; // everything in this Redis's stream is since it lost the data: the other nodes' rows
  }

  private async finishWriteBack(): Promise<void> {
    this.redisEpoch = await adoptEpoch(this.cmd);
    this.restoring = false;
    this.logger.info(`cluster: wrote this node's tables back into Redis at ${this.redisUrl}`);
  }

  /** Writes older than [cluster] forget_after may be of keys Redis has forgot the delete of: they are not sent. */
  private dropWritesPastHorizon(): void {
    const horizon = Date.now() - this.config.forgetAfterMs;
    const kept = this.backlog.filter((record) => isWriteBack(record) || stampMs(record.stamp) >= horizon);
    if (kept.length === this.backlog.length) return;
    const count = this.backlog.length - kept.length;
    this.backlog = [];
    this.backlogBytes = 0;
    this.pending.clear();
    for (const record of kept) this.queue(record);
    this.drop(
      count,
      `${count} writes of this node waited for Redis longer than [cluster] forget_after (${this.config.forgetAfterMs / 1000} s), past which Redis forgets deletes`,
    );
  }

  private degrade(error: Error): void {
    this.lastError = error.message;
    if (this.stopped || this.connecting || this.state === 'degraded') return;
    this.setState('degraded');
    this.epoch++;
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
    if (this.claimed && this.cmd?.status === 'ready' && this.claimTakenBy === null)
      await this.claim.release(this.cmd).catch(() => undefined);
    this.cmd?.disconnect();
    this.reader?.disconnect();
    if (this.config.outbox) this.native.clusterRemove(this.config.outbox);
  }

  // ---- this node's writes ----

  /** Takes this node's writes out of the outbox into the backlog (never blocks), then sends them. */
  private drain(): void {
    for (const record of this.takeRecords()) {
      if (this.backlogBytes + record.op.length > this.config.backlogBytes) {
        this.drop(
          1,
          `${formatBytes(this.config.backlogBytes)} of writes wait for Redis, the bound ([cluster] backlog)`,
        );
        continue;
      }
      this.queue(record);
    }
    const { dropped } = this.native.clusterCounts();
    if (dropped > this.outboxDropped) {
      this.drop(dropped - this.outboxDropped, `the outbox in shared memory is full (${formatBytes(OUTBOX_BYTES)})`);
      this.outboxDropped = dropped;
    }
    if (this.state === 'connected' && this.backlog.length > 0) void this.send();
    else if (this.state === 'connected' && this.overflowed) void this.reloadAfterOverflow();
  }

  /** The writes in the outbox, in order (each row's newest write noted for a write-back). */
  private takeRecords(): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (
      let data = this.native.clusterDrain(DRAIN_BYTES);
      data.length > 0;
      data = this.native.clusterDrain(DRAIN_BYTES)
    ) {
      for (const record of decodeRecords(data, this.tables, this.config.node)) {
        this.recent.note(rowId(record.table, record.key), record.stamp);
        this.lastSeq = record.seq;
        records.push(record);
      }
    }
    return records;
  }

  private queue(record: OutboxRecord): void {
    this.pending.set(rowId(record.table, record.key), record.seq);
    this.backlog.push(record);
    this.backlogBytes += record.op.length;
  }

  /** Writes were dropped while Redis answered (a burst faster than it takes them): once the rest is in, take the cluster's copy. */
  private reloadAfterOverflow(): Promise<void> {
    this.resuming ??= (async () => {
      this.setState('syncing');
      await this.reload();
      this.setState('connected');
    })()
      .catch((error: Error) => this.degrade(error))
      .finally(() => (this.resuming = null));
    return this.resuming;
  }

  private drop(count: number, why: string): void {
    this.dropped += count;
    this.overflowed = true;
    this.warnOnce(
      'overflow',
      `cluster: ${why}: further writes on this node stay on this node; once Redis has taken what this node queued, this node takes the cluster's copy of the tables again and those writes are lost`,
    );
  }

  /** One batch to Redis at a time, in order; the rows come back through the stream. */
  private send(evenWhileSyncing = false): Promise<void> {
    if (this.backlog.length === 0 || (this.state !== 'connected' && !evenWhileSyncing)) return Promise.resolve();
    this.sending ??= (async () => {
      const batch = this.backlog.slice(0, BATCH_OPS);
      const tables = [...new Set(batch.map((record) => this.tables[record.table]!.name))];
      const mode = this.restoring ? 'e:*' : `e:${this.redisEpoch}`;
      try {
        await replicate(this.cmd, tables, [
          this.origin,
          this.config.node,
          String(STREAM_BOUND),
          mode,
          ...batch.map((record) => record.op),
        ]);
      } catch (error) {
        if (isEpochRefusal(error)) {
          // Not the Redis this node followed: the batch stays, and resume() writes the tables back.
          this.epochRefused = true;
          if (this.state === 'connected') void this.resume().catch((failure: Error) => this.degrade(failure));
          return;
        }
        if ((error as Error).name !== 'ReplyError') throw error; // unreachable: the batch stays and is sent again
        this.logger.error(
          `cluster: Redis refused ${batch.length} writes of this node, which are not replicated: ${(error as Error).message}`,
        );
        this.dropped += batch.length;
        for (const record of batch) this.pending.delete(rowId(record.table, record.key));
      }
      this.backlog = this.backlog.slice(batch.length);
      this.backlogBytes -= batch.reduce((sum, record) => sum + record.op.length, 0);
    })().finally(() => (this.sending = null));
    return this.sending
      .then(() =>
        this.backlog.length > 0 && this.state === 'connected' && !this.epochRefused ? this.send() : undefined,
      )
      .catch((error: Error) => this.degrade(error));
  }

  // ---- everyone's writes ----

  /** Reads the stream and applies each row, for as long as the node runs. */
  private async follow(): Promise<void> {
    while (!this.stopped) {
      await this.whenConnected();
      if (this.stopped) return;
      const epoch = this.epoch;
      let reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
      try {
        reply = (await this.reader.xreadBuffer(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          1000,
          'STREAMS',
          STREAM_KEY,
          this.lastId ?? '$',
        )) as typeof reply;
      } catch (error) {
        this.degrade(error as Error);
        continue;
      }
      if (epoch !== this.epoch || !reply) continue;
      const entries = reply[0]![1];
      for (const [id, fields] of entries) this.applyEntry(id.toString(), fields);
      if (entries.length === READ_COUNT && (await this.missedEntries()))
        await this.reload().catch((error: Error) => this.degrade(error));
    }
  }

  private applyEntry(id: string, fields: Buffer[]): void {
    this.drain(); // this node's latest writes are pending before any row is decided
    let own = false;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!.toString();
      if (name === 'o') own = fields[i + 1]!.toString() === this.origin;
      else if (name === 'r') this.applyRow(own, splitNetstrings(fields[i + 1]!));
    }
    this.lastId = id;
    if (!own) this.lagMs = Math.max(0, Date.now() - Number(id.split('-')[0]));
  }

  /** A row of the stream: table, key, seq, stamp, state ('L' | 'D'), value per column. */
  private applyRow(own: boolean, [name, key, seq, stamp, state, ...values]: Buffer[]): void {
    const entry = this.replicated.find(({ table }) => table.name === name!.toString());
    if (!entry) return;
    const id = rowId(entry.index, key!);
    this.recent.note(id, stamp!.toString('latin1'));
    for (;;) {
      const waiting = this.pending.get(id);
      if (waiting !== undefined) {
        // This node's later write is on its way: the row it brings back is the one to show.
        if (!own || waiting !== Number(seq!.toString())) return;
        this.pending.delete(id);
      }
      if (
        this.applied(entry.table, key!, state![0] === 0x4c ? values : null, stamp!.toString('latin1', 0, 16)) !==
        Applied.Refused
      )
        return;
      this.drain(); // a write of the same stripe is still in the outbox: take it out, then decide again
    }
  }

  private applied(table: TableDefinition, key: Buffer, values: Buffer[] | null, stamp: string): Applied {
    const result = this.native.clusterApply(this.tables.indexOf(table), key, values, stamp);
    if (result === Applied.Full)
      this.warnOnce(
        `full:${table.name}`,
        `cluster: table ${table.name} is full on this node, so rows of other nodes were left out; give it more rows`,
      );
    if (result === Applied.Invalid)
      this.warnOnce(
        `invalid:${table.name}`,
        `cluster: rows of table ${table.name} from Redis do not fit this node's definition of it`,
      );
    return result;
  }

  /** Takes the cluster's copy of every replicated table (keeping rows this node has writes on their way for). */
  private async reload(): Promise<void> {
    this.epoch++;
    const end = await this.streamInfo();
    for (const { index, table } of this.replicated) {
      const rows = await readClusterRows(this.cmd, table);
      this.drain();
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(rowId(index, row.key));
        this.applyRemote(index, table, row.key, row.values);
      }
      for (const key of this.native.clusterKeys(index))
        if (!seen.has(rowId(index, key))) this.applyRemote(index, table, key, null);
    }
    this.lastId = end.last;
    this.overflowed = false;
  }

  private applyRemote(index: number, table: TableDefinition, key: Buffer, values: Buffer[] | null): void {
    while (!this.pending.has(rowId(index, key)) && this.applied(table, key, values, '0') === Applied.Refused)
      this.drain();
  }

  /** The stream's newest id, and the newest it has trimmed. */
  private async streamInfo(): Promise<{ last: string; trimmed: string }> {
    try {
      const info = (await this.cmd.xinfo('STREAM', STREAM_KEY)) as unknown[];
      const field = (name: string) => String((info[info.indexOf(name) + 1] as string | undefined) ?? '0-0');
      return { last: field('last-generated-id'), trimmed: field('max-deleted-entry-id') };
    } catch (error) {
      if (/no such key/i.test((error as Error).message)) return { last: '0-0', trimmed: '0-0' };
      throw error;
    }
  }

  /** Entries after this node's position were trimmed (it was away too long), or this Redis is not the one it followed. */
  private async missedEntries(): Promise<boolean> {
    if (this.lastId === null) return true;
    const { last, trimmed } = await this.streamInfo();
    return compareIds(trimmed, this.lastId) > 0 || compareIds(last, this.lastId) < 0;
  }

  private warnOnce(what: string, message: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.logger.warn(message);
  }
}

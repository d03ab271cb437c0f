import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { ClusterFunctions } from '../native/cluster-face.js';
import { formatBytes } from '../sizes.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { isEpochRefusal, replicate, STREAM_BOUND } from './cluster-redis.js';
import { decodeRecords, stampMs, type OutboxRecord } from './outbox-records.js';
import type { RecentWrites } from './recent-writes.js';
import { isWriteBack, rowId } from './write-back.js';

const DRAIN_BYTES = 1 << 20;
export const OUTBOX_BYTES = 64 << 20;
const BATCH_OPS = 500;

/** What the writes on their way ask of the node that sends them. */
export interface WritesLink {
  readonly origin: string;
  readonly node: string;
  readonly backlogBytes: number;
  readonly forgetAfterMs: number;
  /** The connection batches go through. */
  redis(): Redis;
  /** Batches go out only while connected (or, during a resume, when asked to). */
  connected(): boolean;
  /** What replicate.lua checks before it takes a batch: the epoch of the Redis this node follows, or any (`e:*`). */
  epochCheck(): string;
  /** A batch was refused: the Redis reached is not the one this node followed. */
  refusedByEpoch(): void;
  /** Once the rest is in, the node takes the cluster's copy again (writes were dropped). */
  overflowedWhileConnected(): void;
  degrade(error: Error): void;
  warnOnce(what: string, message: string): void;
}

/**
 * This node's writes on their way to Redis (docs/ARCHITECTURE.md, "Cluster mode"): taken out of the outbox in shared
 * memory into a bounded backlog, in order, and sent one batch at a time (replicate.lua). Past the bounds writes are
 * dropped and the node is marked `overflowed`: it takes the cluster's copy of the tables once Redis answers.
 */
export class OutgoingWrites {
  /** Rows with a write of this node on its way to Redis: the last one's seq (its row, when it comes back, is the one to apply). */
  readonly pending = new Map<string, number>();
  private backlog: OutboxRecord[] = [];
  private backlogBytes = 0;
  private sending: Promise<void> | null = null;
  private outboxDropped = 0;
  /** Writes dropped in all. */
  dropped = 0;
  /** Writes were dropped: once Redis answers, this node takes the cluster's copy again. */
  overflowed = false;
  /** A batch was refused: the Redis it reached is not the one this node followed. */
  epochRefused = false;
  /** The seq of the last write taken out of the outbox. */
  lastSeq = 0;

  constructor(
    private readonly link: WritesLink,
    private readonly native: ClusterFunctions,
    private readonly tables: TableDefinition[],
    private readonly recent: RecentWrites,
    private readonly logger: Logger,
  ) {}

  get count(): number {
    return this.backlog.length;
  }

  get bytes(): number {
    return this.backlogBytes;
  }

  /** Sent once connected again: this node's own writes, not the rows of a write-back. */
  get ownCount(): number {
    return this.backlog.filter((record) => !isWriteBack(record)).length;
  }

  /** A batch in flight has settled (sent or not). */
  settled(): Promise<void> {
    return this.sending?.catch(() => undefined) ?? Promise.resolve();
  }

  /** Takes this node's writes out of the outbox into the backlog (never blocks), then sends them. */
  drain(): void {
    for (const record of this.take()) {
      if (this.backlogBytes + record.op.length > this.link.backlogBytes) {
        this.drop(1, `${formatBytes(this.link.backlogBytes)} of writes wait for Redis, the bound ([cluster] backlog)`);
        continue;
      }
      this.queue(record);
    }
    const { dropped } = this.native.clusterCounts();
    if (dropped > this.outboxDropped) {
      this.drop(dropped - this.outboxDropped, `the outbox in shared memory is full (${formatBytes(OUTBOX_BYTES)})`);
      this.outboxDropped = dropped;
    }
    if (this.link.connected() && this.backlog.length > 0) void this.send();
    else if (this.link.connected() && this.overflowed) this.link.overflowedWhileConnected();
  }

  /** The writes in the outbox, in order (each row's newest write noted for a write-back). */
  take(): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (
      let data = this.native.clusterDrain(DRAIN_BYTES);
      data.length > 0;
      data = this.native.clusterDrain(DRAIN_BYTES)
    ) {
      for (const record of decodeRecords(data, this.tables, this.link.node)) {
        this.recent.note(rowId(record.table, record.key), record.stamp);
        this.lastSeq = record.seq;
        records.push(record);
      }
    }
    return records;
  }

  /** The writes waiting, in order. */
  get records(): readonly OutboxRecord[] {
    return this.backlog;
  }

  /** Waiting from now on: these writes instead (a write-back's, or what is left to send). */
  replaceWith(records: readonly OutboxRecord[]): void {
    this.backlog = [];
    this.backlogBytes = 0;
    this.pending.clear();
    for (const record of records) this.queue(record);
  }

  /** Writes older than [cluster] forget_after may be of keys Redis has forgot the delete of: they are not sent. */
  dropPastHorizon(): void {
    const horizon = Date.now() - this.link.forgetAfterMs;
    const kept = this.backlog.filter((record) => isWriteBack(record) || stampMs(record.stamp) >= horizon);
    if (kept.length === this.backlog.length) return;
    const count = this.backlog.length - kept.length;
    this.replaceWith(kept);
    this.drop(
      count,
      `${count} writes of this node waited for Redis longer than [cluster] forget_after (${this.link.forgetAfterMs / 1000} s), past which Redis forgets deletes`,
    );
  }

  /** One batch to Redis at a time, in order; the rows come back through the stream. */
  send(evenWhileSyncing = false): Promise<void> {
    if (this.backlog.length === 0 || (!this.link.connected() && !evenWhileSyncing)) return Promise.resolve();
    this.sending ??= this.sendBatch().finally(() => (this.sending = null));
    return this.sending
      .then(() => (this.backlog.length > 0 && this.link.connected() && !this.epochRefused ? this.send() : undefined))
      .catch((error: Error) => this.link.degrade(error));
  }

  private async sendBatch(): Promise<void> {
    const batch = this.backlog.slice(0, BATCH_OPS);
    const tables = [...new Set(batch.map((record) => this.tables[record.table]!.name))];
    try {
      await replicate(this.link.redis(), tables, [
        this.link.origin,
        this.link.node,
        String(STREAM_BOUND),
        this.link.epochCheck(),
        ...batch.map((record) => record.op),
      ]);
    } catch (error) {
      if (isEpochRefusal(error)) {
        // Not the Redis this node followed: the batch stays, and the node writes the tables back.
        this.epochRefused = true;
        this.link.refusedByEpoch();
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
  }

  private queue(record: OutboxRecord): void {
    this.pending.set(rowId(record.table, record.key), record.seq);
    this.backlog.push(record);
    this.backlogBytes += record.op.length;
  }

  private drop(count: number, why: string): void {
    this.dropped += count;
    this.overflowed = true;
    this.link.warnOnce(
      'overflow',
      `cluster: ${why}: further writes on this node stay on this node; once Redis has taken what this node queued, this node takes the cluster's copy of the tables again and those writes are lost`,
    );
  }
}

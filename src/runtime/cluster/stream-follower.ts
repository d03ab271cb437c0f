import type { Redis } from 'ioredis';
import { Applied, type ClusterFunctions } from '../native/cluster-face.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import { compareIds, readClusterRows, STREAM_KEY } from './cluster-redis.js';
import { splitNetstrings } from './netstrings.js';
import type { OutgoingWrites } from './outgoing-writes.js';
import type { RecentWrites } from './recent-writes.js';
import { rowId } from './write-back.js';

const READ_COUNT = 1000;

/** What following the stream asks of the node. */
export interface StreamLink {
  /** This process's writes in the stream (node id and boot id). */
  readonly origin: string;
  /** The connection for commands. */
  redis(): Redis;
  /** The connection that blocks on the stream. */
  reader(): Redis;
  whenConnected(): Promise<void>;
  stopped(): boolean;
  degrade(error: Error): void;
  warnOnce(what: string, message: string): void;
}

/**
 * Everyone's writes (docs/ARCHITECTURE.md, "Cluster mode"): reads the stream and applies each row to this node's
 * tables, unless a later write of this node to that row is on its way (then the row it brings back is the one to
 * show); loads the cluster's copy of the tables when the node starts, comes back, or fell too far behind.
 */
export class StreamFollower {
  /** The last stream entry applied; null until the tables were first loaded. */
  lastId: string | null = null;
  /** How far behind the newest row of another node was when it was applied. */
  lagMs: number | null = null;
  /** Bumped by every reload (and by the node when it degrades), so a read that was in flight meanwhile is thrown away. */
  private epoch = 0;

  constructor(
    private readonly link: StreamLink,
    private readonly writes: OutgoingWrites,
    private readonly native: ClusterFunctions,
    private readonly tables: TableDefinition[],
    private readonly replicated: Array<{ index: number; table: TableDefinition }>,
    private readonly recent: RecentWrites,
  ) {}

  /** A stream read in flight is not applied. */
  discardInFlight(): void {
    this.epoch++;
  }

  /** Reads the stream and applies each row, for as long as the node runs. */
  async follow(): Promise<void> {
    while (!this.link.stopped()) {
      await this.link.whenConnected();
      if (this.link.stopped()) return;
      const epoch = this.epoch;
      let reply: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
      try {
        reply = (await this.link
          .reader()
          .xreadBuffer('COUNT', READ_COUNT, 'BLOCK', 1000, 'STREAMS', STREAM_KEY, this.lastId ?? '$')) as typeof reply;
      } catch (error) {
        this.link.degrade(error as Error);
        continue;
      }
      if (epoch !== this.epoch || !reply) continue;
      const entries = reply[0]![1];
      for (const [id, fields] of entries) this.applyEntry(id.toString(), fields);
      if (entries.length === READ_COUNT && (await this.missedEntries()))
        await this.reload().catch((error: Error) => this.link.degrade(error));
    }
  }

  /** Takes the cluster's copy of every replicated table (keeping rows this node has writes on their way for). */
  async reload(): Promise<void> {
    this.epoch++;
    const end = await this.streamInfo();
    for (const { index, table } of this.replicated) {
      const rows = await readClusterRows(this.link.redis(), table);
      this.writes.drain();
      const seen = new Set<string>();
      for (const row of rows) {
        seen.add(rowId(index, row.key));
        this.applyRemote(index, table, row.key, row.values);
      }
      for (const key of this.native.clusterKeys(index))
        if (!seen.has(rowId(index, key))) this.applyRemote(index, table, key, null);
    }
    this.lastId = end.last;
    this.writes.overflowed = false;
  }

  /** Entries after this node's position were trimmed (it was away too long), or this Redis is not the one it followed. */
  async missedEntries(): Promise<boolean> {
    if (this.lastId === null) return true;
    const { last, trimmed } = await this.streamInfo();
    return compareIds(trimmed, this.lastId) > 0 || compareIds(last, this.lastId) < 0;
  }

  private applyEntry(id: string, fields: Buffer[]): void {
    this.writes.drain(); // this node's latest writes are pending before any row is decided
    let own = false;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i]!.toString();
      if (name === 'o') own = fields[i + 1]!.toString() === this.link.origin;
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
      const waiting = this.writes.pending.get(id);
      if (waiting !== undefined) {
        // This node's later write is on its way: the row it brings back is the one to show.
        if (!own || waiting !== Number(seq!.toString())) return;
        this.writes.pending.delete(id);
      }
      if (
        this.applied(entry.table, key!, state![0] === 0x4c ? values : null, stamp!.toString('latin1', 0, 16)) !==
        Applied.Refused
      )
        return;
      this.writes.drain(); // a write of the same stripe is still in the outbox: take it out, then decide again
    }
  }

  private applied(table: TableDefinition, key: Buffer, values: Buffer[] | null, stamp: string): Applied {
    const result = this.native.clusterApply(this.tables.indexOf(table), key, values, stamp);
    if (result === Applied.Full)
      this.link.warnOnce(
        `full:${table.name}`,
        `cluster: table ${table.name} is full on this node, so rows of other nodes were left out; give it more rows`,
      );
    if (result === Applied.Invalid)
      this.link.warnOnce(
        `invalid:${table.name}`,
        `cluster: rows of table ${table.name} from Redis do not fit this node's definition of it`,
      );
    return result;
  }

  private applyRemote(index: number, table: TableDefinition, key: Buffer, values: Buffer[] | null): void {
    while (!this.writes.pending.has(rowId(index, key)) && this.applied(table, key, values, '0') === Applied.Refused)
      this.writes.drain();
  }

  /** The stream's newest id, and the newest it has trimmed. */
  private async streamInfo(): Promise<{ last: string; trimmed: string }> {
    try {
      const info = (await this.link.redis().xinfo('STREAM', STREAM_KEY)) as unknown[];
      const field = (name: string) => String((info[info.indexOf(name) + 1] as string | undefined) ?? '0-0');
      return { last: field('last-generated-id'), trimmed: field('max-deleted-entry-id') };
    } catch (error) {
      if (/no such key/i.test((error as Error).message)) return { last: '0-0', trimmed: '0-0' };
      throw error;
    }
  }
}

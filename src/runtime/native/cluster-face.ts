import { loadedAddon } from './addon.js';

/** What `clusterApply` did with a remote row (native/node/cluster_napi.cc `Applied`). */
export enum Applied {
  Applied = 0,
  /** A local write of the same lock stripe is still in the outbox: drain it, then decide again. */
  Refused = 1,
  Full = 2,
  /** The row does not fit this node's table (its columns differ). */
  Invalid = 3,
}

/** Cluster mode's outbox and remote rows (native/node/cluster_napi.cc, native/cluster/outbox.cc). */
export interface ClusterFunctions {
  /** The supervisor, after `tablesAttach`: makes the outbox (one flag per table of the segment: replicated?). */
  clusterCreate(segment: string, replicated: boolean[], capacityBytes: number): void;
  /** A worker, before PHP starts: its writes to replicated tables go into the outbox; strong() connects to `redis`. */
  clusterAttach(segment: string, redis: string, node: string): void;
  clusterRemove(segment: string): boolean;
  clusterSweep(prefix: string): string[];
  /** Whole records out of the outbox, at most `maxBytes` (at least one record); empty when there are none. */
  clusterDrain(maxBytes: number): Buffer;
  clusterCounts(): { appended: number; dropped: number; pending: number; capacity: number };
  /** A row as Redis holds it (every column as text, '' = never set), or null: deleted. `stamp`: its clock, in hex. */
  clusterApply(table: number, key: Buffer, values: Buffer[] | null, stamp: string): Applied;
  clusterKeys(table: number): Buffer[];
}

export const nativeCluster = (): ClusterFunctions => loadedAddon<ClusterFunctions>();

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EphpmError } from '../errors.js';
import { installHeadersHint, installLibphpHint, phpMinorForHints } from './php-config.js';
import type { ColumnDefinition, TableDefinition } from '../tables/table-definitions.js';

/**
 * What the PHP thread reports to Node (native/http/exchange.h `EventKind`; a unit test keeps the two
 * in step).
 */
export enum EventKind {
  Response = 1,
  Chunk = 2,
  Abort = 3,
  Ready = 4,
  ScriptError = 5,
  Log = 6,
  Stopped = 7,
  Written = 8,
  WriteFailed = 9,
}

/** Frame types of the task socket protocol (native/tasks/task_wire.h `FrameType`; kept in step by a unit test). */
export enum FrameType {
  Task = 1,
  TaskNoReply = 2,
  ResultOk = 16,
  ResultFailed = 17,
  QueueFull = 18,
  Gone = 19,
  Draining = 20,
  Accepted = 21,
}

/**
 * `headers` is "Name\nvalue\nName\nvalue" (empty when there are none), latin1 (exact bytes).
 * `data` is a latin1 string (exact bytes) when small, a Buffer otherwise.
 * `file` (Response that is last, Written): a descriptor of an unnamed temp file holding the rest of
 * the body, sent after `data`; the receiver closes it. -1 = none.
 */
export type EventCallback = (kind: EventKind, id: number, status: number, last: boolean, headers: string, data: Payload, file: number) => void;

export type Payload = string | Buffer;

/** A worker's embedded PHP: start it, hand it requests (native/node/php_napi.cc). */
export interface PhpFunctions {
  start(options: {
    script: string; ini: string; stackSize: number; documentRoot: string; statusTexts: Record<string, string>;
    /** A complete response's body beyond this many bytes waits for the client in a temp file under `tempDir`. */
    responseMemoryBytes?: number; tempDir?: string;
    /** Where queued requests are kept until PHP starts them, for the supervisor if the worker dies (request_journal.h). */
    journalPath?: string;
  }, onEvent: EventCallback): void;
  /** `head`: "method\nuri\nprotocol\nscheme\nremoteAddr\nserverAddr\nName\nvalue..." */
  dispatch(
    id: number, head: string, remotePort: number, serverPort: number,
    body: Buffer | null, bodyFile: string | null, bodySize: number, requestTime: number,
    directSocket: number, keepAliveSeconds: number,
    /** 0 none, 1 urlencoded, 2 multipart; `form`: [isFile, name, value, type, path, size, error] per part. */
    postForm: number, form: Array<string | number> | null,
    /** The supervisor's id of the request's connection, 0: none (not recorded in the journal). */
    connection: number,
  ): void;
  /** Registers a dup of Node's socket descriptor that PHP may write complete responses to: its id, or -1. */
  adoptSocket(fd: number): number;
  releaseSocket(directSocket: number): void;
  /** true: Node may answer request `id` itself; false: PHP already took it. */
  answerInstead(directSocket: number, id: number): boolean;
  closeAfterwards(directSocket: number): void;
  wake(): void;
  drained(bytes: number): void;
  /** [the id of the request PHP took last (0: none yet), milliseconds since it took it]. */
  taken(): [number, number];
  /** Removes a request PHP has not taken yet; false if it took it. */
  cancel(id: number): boolean;
  /** The client of request `id` is gone: its send_chunk() returns false from now on. */
  abandon(id: number): void;
  stop(): void;
  buildInfo(): { phpVersion: string; zendApi: number; libphp?: string };
}

/** One table as the segment describes it. */
export interface TableInfo {
  name: string;
  /** Capacity: the most rows it holds. */
  rows: number;
  /** Rows in use. */
  used: number;
  bytes: number;
  columns: ColumnDefinition[];
}

export interface SegmentInfo {
  ownerPid: number;
  ownerAlive: boolean;
  bytes: number;
  tables: TableInfo[];
}

/** A row as the addon hands it over: the key, then one value per column (big ints as strings). */
export type RawRow = [string, ...Array<string | number>];

/** The shared tables' segment (native/node/table_napi.cc). */
export interface TableFunctions {
  tablesCreate(segment: string, tables: TableDefinition[]): number;
  tablesRemove(segment: string): boolean;
  /** Removes segments whose server is gone; foreign and corrupt ones are left alone and listed ("path: why"). */
  tablesSweep(prefix: string): { removed: string[]; skipped: string[] };
  tablesAttach(segment: string): void;
  tablesInspect(segment: string): SegmentInfo | null;
  tableRows(segment: string, table: string, limit: number, key?: string): RawRow[] | null;
}

/** The Node side of a task or tick worker (native/node/task_napi.cc). */
export interface TaskFunctions {
  taskResults(onResult: (key: number, type: FrameType, data: Buffer) => void): void;
  pushTask(key: number, payload: Buffer): void;
  tick(timeSeconds: number): void;
  tickCounts(): { taken: number; missed: number };
  stopTasks(): void;
}

/** The lock a running supervisor holds for its life (native/node/server_lock_napi.cc). */
export interface ServerLockFunctions {
  /** 0 once this process holds the lock, else the pid holding it (-1: unknown). */
  lockServer(path: string): number;
  /** The pid holding the lock; 0 when nobody does. */
  lockHolder(path: string): number;
}

/** A worker's scheduling policy (native/node/scheduling_napi.cc). */
export interface SchedulingFunctions {
  /** The calling thread (a worker's main thread) stops preempting others on wake-up (SCHED_BATCH); '' or why not. */
  batchScheduling(): string;
}

/** A client connection's state in the kernel, read without reading from it (native/node/connection_state_napi.cc). */
export interface ConnectionStateFunctions {
  /** Marks the connection parked (its next request, if any, is unread and may go to any worker) or not; false: refused. */
  markParked(fd: number, parked: boolean): boolean;
  /** Marks a request read from the connection and not answered yet (the supervisor answers 502 if the worker dies). */
  markAnswering(fd: number, answering: boolean): boolean;
  /** [parked, bytes unread, owes an answer (marked answering), the unread bytes begin a request], or null: not an open socket. */
  connectionState(fd: number): [parked: boolean, unread: number, owesAnswer: boolean, startsRequest: boolean] | null;
}

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

/** Everything the addon exports: one module, one type, no casts at call sites. */
export type EphpmAddon = PhpFunctions & TableFunctions & TaskFunctions & ServerLockFunctions & ClusterFunctions & SchedulingFunctions & ConnectionStateFunctions;

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Lookup order: $EPHPM_ADDON (a path to an ephpm.node), then
 * native/build/ephpm.node inside this package.
 */
export function addonPath(): string {
  return process.env.EPHPM_ADDON ?? join(packageRoot, 'native', 'build', 'ephpm.node');
}

let loaded: { path: string; addon: EphpmAddon } | null = null;

/** Loads the addon once per process (Node would return the same module anyway). */
export function loadAddon(path = addonPath()): EphpmAddon {
  if (loaded?.path === path) return loaded.addon;
  loaded = { path, addon: requireAddon(path) };
  return loaded.addon;
}

function requireAddon(path: string): EphpmAddon {
  if (!existsSync(path)) {
    throw new EphpmError(
      'EPHPM_ADDON_MISSING',
      `The ephpm native addon is not built (looked for ${path}).`,
      `Build it against your installed PHP: npx ephpm runtime:build  (it needs: ${installHeadersHint(phpMinorForHints())})`,
    );
  }
  try {
    return createRequire(import.meta.url)(path) as EphpmAddon;
  } catch (error) {
    const message = (error as Error).message;
    const library = /(libphp[^:\s]*): cannot open shared object file/.exec(message)?.[1];
    if (library) {
      const minor = /^libphp(\d+\.\d+)\.so/.exec(library)?.[1] ?? phpMinorForHints();
      throw new EphpmError(
        'EPHPM_LIBPHP_MISSING',
        `PHP's embed library ${library} is not installed, so the embedded PHP runtime cannot load.`,
        `Install it: ${installLibphpHint(minor)}`,
      );
    }
    throw new EphpmError('EPHPM_ADDON_BROKEN', `The ephpm native addon at ${path} failed to load: ${message}`, 'Rebuild it: npx ephpm runtime:build');
  }
}

// What the supervisor and its child processes (request workers, task and tick
// workers) tell each other over the IPC channel.
import type { RequestCounters } from '../metrics/request-counters.js';
import type { RecycleReason } from '../metrics/restarts.js';
import type { TaskCounters } from '../metrics/task-counters.js';

/** Every child process says these. */
export type ChildMessage<Stats> =
  /** The process has its handlers for the supervisor's messages: what was sent before is sent now. */
  /** `pid`: the worker's own (the supervisor's child may be the worker proxy standing for it). */
  | { type: 'listening'; pid: number }
  | { type: 'ready' }
  /** `showing` (request workers, ephpm dev): the worker stays and answers every request with a 503 showing the error. */
  | { type: 'boot-failed'; message: string; hint?: string; showing?: boolean }
  | { type: 'stats'; stats: Stats };

export interface WorkerStats {
  requests: number;
  inFlight: number;
  /** Client connections open on this worker (the balancer sends new ones to the worker with the fewest). */
  connections?: number;
  rssBytes: number;
  /** Cumulative since the process started; for /metrics and `ephpm top`. */
  counters?: RequestCounters;
}

export interface TaskWorkerStats {
  /** Tasks answered (task worker) or ticks PHP took (tick worker). */
  done: number;
  /** Tasks taken and not answered yet, the running one included. */
  waiting: number;
  missedTicks: number;
  rssBytes: number;
  counters?: TaskCounters;
}

/** What a request worker process tells the supervisor. */
export type WorkerMessage =
  | ChildMessage<WorkerStats>
  /** A draining worker closed its listener: new connections go to the other workers. */
  | { type: 'draining' }
  /** Asks for a replacement; the worker hands over itself once told the replacement serves (timeout: it leaves at once). */
  | { type: 'recycle'; reason: RecycleReason; rssBytes?: number }
  /** Since its last report: the connections it took and those that closed (ids the supervisor gave them). */
  | { type: 'connections'; taken: number[]; closed: number[] }
  /** Parked connections whose next request waits unread while PHP is busy: for another worker (ReadGate). */
  | { type: 'connections-handed-back'; connections: HandedBackConnection[] }
  /** A draining worker gives the connection back unread, for another worker. */
  | { type: 'connection-returned'; id: number };

/**
 * A connection a busy worker gives back: when its next request arrived (Date.now()), and, if that worker had read
 * it without starting it, the request's bytes (latin1) for the next worker to parse first.
 */
export interface HandedBackConnection {
  id: number;
  waitingSince: number;
  replay?: string;
}

/** Why a request worker asked to be replaced: max_requests, max_memory, or PHP stuck past request_timeout. */

/** What a task or tick worker process tells the supervisor. */
export type TaskWorkerMessage = ChildMessage<TaskWorkerStats>;

/**
 * What the supervisor tells any child process. A request worker told to drain on a
 * hand-over leaves idle keep-alive connections to expire; on shutdown it closes them.
 */
export type SupervisorMessage =
  | { type: 'drain'; mode: DrainMode }
  | { type: 'stats' }
  /** To a request worker that asked to be recycled: its replacement serves, it may hand over when its limit is reached. */
  | { type: 'replacement-ready' }
  /**
   * To a request worker, with a client connection's socket (ConnectionBalancer); `waitingSince` (Date.now()): its
   * next request arrived then, unread, on a worker that gave it back.
   */
  | { type: 'connection'; id: number; waitingSince?: number; replay?: string }
  /**
   * To a request worker above its share once another starts serving (ConnectionBalancer.evenOut): close the
   * connections it holds beyond `keepAtMost`, each after a response (http/connection-shedding.ts).
   */
  | { type: 'shed-connections'; keepAtMost: number };

export type DrainMode = 'handover' | 'shutdown';

// What the supervisor and its child processes (request workers, task and tick
// workers) tell each other over the IPC channel.

/** Every child process says these. */
export type ChildMessage<Stats> =
  | { type: 'ready' }
  /** `showing` (request workers, ephpm dev): the worker stays and answers every request with a 503 showing the error. */
  | { type: 'boot-failed'; message: string; hint?: string; showing?: boolean }
  | { type: 'stats'; stats: Stats };

export interface WorkerStats {
  requests: number;
  inFlight: number;
  rssBytes: number;
}

export interface TaskWorkerStats {
  /** Tasks answered (task worker) or ticks PHP took (tick worker). */
  done: number;
  /** Tasks taken and not answered yet, the running one included. */
  waiting: number;
  missedTicks: number;
  rssBytes: number;
}

/** What a request worker process tells the supervisor. */
export type WorkerMessage =
  | ChildMessage<WorkerStats>
  /** A draining worker closed its listener: new connections go to the other workers. */
  | { type: 'draining' }
  | { type: 'recycle'; reason: 'max-requests' | 'timeout' };

/** What a task or tick worker process tells the supervisor. */
export type TaskWorkerMessage = ChildMessage<TaskWorkerStats>;

/**
 * What the supervisor tells any child process. A request worker told to drain on a
 * hand-over leaves idle keep-alive connections to expire; on shutdown it closes them.
 */
export type SupervisorMessage = { type: 'drain'; mode: DrainMode } | { type: 'stats' };

export type DrainMode = 'handover' | 'shutdown';

export const WORKER_CONFIG_ENV = 'EPHPM_WORKER_CONFIG';
export const TASK_SOCKET_ENV = 'EPHPM_TASK_SOCKET';

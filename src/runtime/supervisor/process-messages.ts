export interface WorkerStats {
  requests: number;
  inFlight: number;
  rssBytes: number;
}

/** What a worker process tells the supervisor. */
export type WorkerMessage =
  | { type: 'ready' }
  /** A draining worker closed its listener: new connections go to the other workers. */
  | { type: 'draining' }
  /** `showing`: the worker stays and answers every request with a 503 that shows the error (ephpm dev). */
  | { type: 'boot-failed'; message: string; hint?: string; showing?: boolean }
  | { type: 'recycle'; reason: 'max-requests' | 'timeout' }
  | { type: 'stats'; stats: WorkerStats };

/** What the supervisor tells a worker process. */
export type SupervisorMessage = { type: 'drain'; mode: 'handover' | 'shutdown' } | { type: 'stats' };

export const WORKER_CONFIG_ENV = 'EPHPM_WORKER_CONFIG';

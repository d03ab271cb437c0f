import type { RestartReason } from './restarts.js';

export interface WorkerStatus {
  index: number;
  pid: number;
  /** `boot-error`: `ephpm dev` only, the worker answers with the PHP error of code that fails to boot. */
  state: 'starting' | 'serving' | 'draining' | 'boot-error';
  requests: number;
  inFlight: number;
  /** Client connections open on it. */
  connections: number;
  rssBytes: number;
  uptimeSeconds: number;
  restarts: number;
  /** Why this process replaced the slot's previous one (absent for the first): `memory` is max_memory, `timeout` request_timeout. */
  lastRestart?: RestartReason;
}

export interface ServerStatus {
  pid: number;
  url: string;
  host: string;
  port: number;
  startedAt: string;
  uptimeSeconds: number;
  totalRequests: number;
  workers: WorkerStatus[];
  /** Task workers and the tick worker (none unless --task-workers / --tick). */
  taskWorkers: TaskWorkerStatus[];
  /** The shared tables' segment in /dev/shm (null: no tables), for `ephpm table:*`. */
  tablesSegment?: string | null;
  /** Cluster mode's link to Redis (absent without [cluster]). */
  cluster?: ClusterStatus;
}

export interface ClusterStatus {
  node: string;
  /** The Redis URL without its password. */
  redis: string;
  /** `syncing`: loading the tables from Redis or sending what waited; `degraded`: Redis unreachable, the node runs on its own copy. */
  state: 'connected' | 'syncing' | 'degraded';
  /** When the state last changed. */
  since: string;
  lastError: string | null;
  /** For the last write of another node applied here: from Redis taking it to this node applying it. */
  lagMs: number | null;
  /** This node's writes not in Redis yet, and their bytes (the bound is [cluster] backlog). */
  backlog: number;
  backlogBytes: number;
  /** This node's writes that were never replicated (the backlog or the outbox was full). */
  dropped: number;
  tables: string[];
}

export interface TaskWorkerStatus {
  role: 'task' | 'tick';
  index: number;
  pid: number;
  state: 'starting' | 'running' | 'draining';
  /** Tasks answered, or ticks run. */
  done: number;
  /** Tasks held and not answered yet, the running one included. */
  waiting: number;
  missedTicks: number;
  rssBytes: number;
  uptimeSeconds: number;
  restarts: number;
}

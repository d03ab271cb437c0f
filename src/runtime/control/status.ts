import type { RestartReason } from '../metrics/restarts.js';

export interface WorkerStatus {
  index: number;
  pid: number;
  /** `boot-error`: `ephpm dev` only, the worker answers with the PHP error of code that fails to boot. */
  state: 'starting' | 'serving' | 'draining' | 'boot-error';
  requests: number;
  inFlight: number;
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

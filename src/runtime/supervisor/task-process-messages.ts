export interface TaskWorkerStats {
  /** Tasks answered (task worker) or ticks PHP took (tick worker). */
  done: number;
  /** Tasks taken and not answered yet, the running one included. */
  waiting: number;
  missedTicks: number;
  rssBytes: number;
}

/** What a task or tick worker process tells the supervisor. */
export type TaskWorkerMessage =
  | { type: 'ready' }
  | { type: 'boot-failed'; message: string; hint?: string }
  | { type: 'task-stats'; stats: TaskWorkerStats };

/** What the supervisor tells a task or tick worker process. */
export type TaskSupervisorMessage = { type: 'drain' } | { type: 'stats' };

export const TASK_SOCKET_ENV = 'EPHPM_TASK_SOCKET';

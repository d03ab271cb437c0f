import { loadedAddon } from './addon.js';

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

/** The Node side of a task or tick worker (native/node/task_napi.cc). */
export interface TaskFunctions {
  taskResults(onResult: (key: number, type: FrameType, data: Buffer) => void): void;
  pushTask(key: number, payload: Buffer): void;
  tick(timeSeconds: number): void;
  tickCounts(): { taken: number; missed: number };
  stopTasks(): void;
}

export const nativeTasks = (): TaskFunctions => loadedAddon<TaskFunctions>();

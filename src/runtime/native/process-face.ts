import { loadedAddon } from './addon.js';

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

/** What an idle worker gives back (native/node/idle_memory_napi.cc). */
export interface IdleMemoryFunctions {
  /** On the main thread: collects all of V8's garbage, shrinks its heap, and trims glibc's arenas (a few ms). */
  releaseIdleMemory(): void;
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

export const nativeServerLock = (): ServerLockFunctions => loadedAddon<ServerLockFunctions>();
export const nativeScheduling = (): SchedulingFunctions => loadedAddon<SchedulingFunctions>();
export const nativeIdleMemory = (): IdleMemoryFunctions => loadedAddon<IdleMemoryFunctions>();
export const nativeConnectionState = (): ConnectionStateFunctions => loadedAddon<ConnectionStateFunctions>();

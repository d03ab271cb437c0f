import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../config.js';
import { EphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { WORKER_CONFIG_ENV } from './process-messages.js';
import type { ServerState } from './state-file.js';
import type { TaskWorkerStatus } from '../control/status.js';
import { TASK_SOCKET_ENV, type TaskSupervisorMessage, type TaskWorkerMessage, type TaskWorkerStats } from './task-process-messages.js';
import { taskEnv, taskSocketPath, taskSocketPaths } from '../tasks/task-sockets.js';

const CRASH_WINDOW_MS = 10_000;
const MAX_RESPAWN_DELAY_MS = 5_000;
const STATS_TIMEOUT_MS = 1_000;
const ROLE_HINT = 'With --task-workers or --tick the worker script runs in those processes too: branch on \\Ephpm\\Octane\\worker_role() (README: "Tasks and ticks").';

interface TaskSlot {
  role: 'task' | 'tick';
  index: number;
  restarts: number;
  child: ChildProcess;
  startedAt: Date;
  ready: boolean;
  draining: boolean;
  exited: boolean;
}

/**
 * The task workers and the tick worker: processes that run the same worker
 * script without HTTP. Forked, respawned, reloaded and drained by the
 * supervisor through this class.
 */
export class TaskPool {
  private readonly slots = new Set<TaskSlot>();
  private stopping = false;
  private running = false;
  private recentCrashes: number[] = [];

  constructor(
    private readonly config: ServerConfig,
    private readonly logger: Logger,
    /** Called whenever the set of running task and tick workers changes (the supervisor rewrites the state file). */
    private readonly onChange: () => void = () => {},
  ) {}

  /** The processes that run now, for the state file. */
  runningProcesses(): NonNullable<ServerState['taskWorkers']> {
    return [...this.slots]
      .filter((slot) => slot.ready && !slot.draining && !slot.exited)
      .sort((a, b) => (a.role === b.role ? a.index - b.index : a.role === 'task' ? -1 : 1))
      .map((slot) => ({ role: slot.role, index: slot.index, pid: slot.child.pid!, startedAt: slot.startedAt.toISOString() }));
  }

  async start(): Promise<void> {
    const slots = Array.from({ length: this.config.taskWorkers }, (_, i) => this.fork('task', i + 1, 0));
    if (this.config.tick) slots.push(this.fork('tick', 1, 0));
    await Promise.all(slots.map((slot) => this.whenReady(slot)));
    this.running = true;
    const started = [
      this.config.taskWorkers > 0 ? `${this.config.taskWorkers} task worker${this.config.taskWorkers === 1 ? '' : 's'}` : '',
      this.config.tick ? 'the tick worker' : '',
    ].filter(Boolean);
    if (started.length > 0) this.logger.info(`started ${started.join(' and ')}`, { taskWorkers: this.config.taskWorkers, tick: this.config.tick });
  }

  /** Each one finishes the tasks it holds, then exits; SIGKILL after the shutdown timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.slots].map((slot) => this.exitOf(slot));
    for (const slot of this.slots) this.drain(slot);
    const timeout = setTimeout(() => {
      for (const slot of this.slots) slot.child.kill('SIGKILL');
    }, this.config.shutdownTimeoutMs).unref();
    await Promise.all(exits);
    clearTimeout(timeout);
    for (const path of taskSocketPaths(this.config)) rmSync(path, { force: true });
  }

  /** One at a time: the replacement takes over the socket path once it is ready, then the old one drains. */
  async reload(): Promise<void> {
    for (const slot of [...this.slots]) {
      if (this.stopping || slot.draining || !this.slots.has(slot)) continue;
      const replacement = this.fork(slot.role, slot.index, slot.restarts + 1);
      await this.whenReady(replacement).catch((error: Error) => {
        throw new EphpmError('EPHPM_RELOAD_FAILED', `reload stopped: a new ${slot.role} worker failed to start, the old ones keep running.\n${error.message}`);
      });
      this.drain(slot);
    }
  }

  async status(): Promise<TaskWorkerStatus[]> {
    const slots = [...this.slots].sort((a, b) => (a.role === b.role ? a.index - b.index : a.role === 'task' ? -1 : 1));
    const stats = await Promise.all(slots.map((slot) => this.statsOf(slot)));
    const now = Date.now();
    return slots.map((slot, i) => ({
      role: slot.role,
      index: slot.index,
      pid: slot.child.pid!,
      state: slot.draining ? 'draining' : slot.ready ? 'running' : 'starting',
      done: stats[i]?.done ?? 0,
      waiting: stats[i]?.waiting ?? 0,
      missedTicks: stats[i]?.missedTicks ?? 0,
      rssBytes: stats[i]?.rssBytes ?? 0,
      uptimeSeconds: (now - slot.startedAt.getTime()) / 1000,
      restarts: slot.restarts,
    }));
  }

  private fork(role: TaskSlot['role'], index: number, restarts: number): TaskSlot {
    const env = {
      ...process.env,
      [WORKER_CONFIG_ENV]: JSON.stringify(this.config),
      ...taskEnv(this.config, role),
      [TASK_SOCKET_ENV]: role === 'task' ? taskSocketPath(this.config.stateFile, index) : '',
    };
    const child = fork(fileURLToPath(new URL('../tasks/task-worker-main.js', import.meta.url)), [], { env });
    const slot: TaskSlot = { role, index, restarts, child, startedAt: new Date(), ready: false, draining: false, exited: false };
    this.slots.add(slot);
    child.on('message', (message: TaskWorkerMessage) => {
      if (message.type !== 'ready') return;
      slot.ready = true;
      this.onChange();
    });
    child.on('exit', (code, signal) => this.onExit(slot, code, signal));
    return slot;
  }

  private whenReady(slot: TaskSlot): Promise<void> {
    return new Promise((resolve, reject) => {
      slot.child.on('message', (message: TaskWorkerMessage) => {
        if (message.type === 'ready') resolve();
        if (message.type === 'boot-failed') reject(new EphpmError('EPHPM_WORKER_BOOT', `A ${slot.role} worker failed to start: ${message.message}`, message.hint ?? ROLE_HINT));
      });
      slot.child.on('exit', (code, signal) => reject(new EphpmError('EPHPM_WORKER_BOOT', `A ${slot.role} worker process exited while starting (${signal ?? `code ${code}`}).`)));
    });
  }

  private statsOf(slot: TaskSlot): Promise<TaskWorkerStats | null> {
    if (!slot.ready || slot.exited || !slot.child.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), STATS_TIMEOUT_MS);
      const onMessage = (message: TaskWorkerMessage) => {
        if (message.type === 'task-stats') done(message.stats);
      };
      const done = (stats: TaskWorkerStats | null) => {
        clearTimeout(timer);
        slot.child.off('message', onMessage);
        resolve(stats);
      };
      slot.child.on('message', onMessage);
      slot.child.send({ type: 'stats' } satisfies TaskSupervisorMessage);
    });
  }

  private exitOf(slot: TaskSlot): Promise<void> {
    return slot.exited ? Promise.resolve() : new Promise((resolve) => slot.child.once('exit', () => resolve()));
  }

  private drain(slot: TaskSlot): void {
    slot.draining = true;
    this.onChange();
    if (!slot.exited && slot.child.connected) slot.child.send({ type: 'drain' } satisfies TaskSupervisorMessage);
  }

  private onExit(slot: TaskSlot, code: number | null, signal: string | null): void {
    slot.exited = true;
    this.slots.delete(slot);
    this.onChange();
    if (this.stopping || slot.draining || !this.running) return;
    this.logger.warn(`${slot.role} worker ${slot.child.pid} exited unexpectedly (${signal ?? `exit code ${code}`}); starting a new one`);
    const now = Date.now();
    this.recentCrashes = [...this.recentCrashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    const delay = this.recentCrashes.length <= 1 ? 0 : Math.min(MAX_RESPAWN_DELAY_MS, 100 * 2 ** this.recentCrashes.length);
    setTimeout(() => {
      if (!this.stopping) this.fork(slot.role, slot.index, slot.restarts + 1);
    }, delay);
  }
}

import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../config/server-config.js';
import type { TaskWorkerStatus } from '../metrics/server-status.js';
import { EphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CounterLedger } from '../metrics/ledger.js';
import type { RestartCounts } from '../metrics/restarts.js';
import { emptyTaskCounters, type TaskCounters } from '../metrics/task-counters.js';
import { taskEnv, taskSocketPath, taskSocketPaths } from '../ipc/task-sockets.js';
import type { TaskWorkerStats } from '../ipc/process-messages.js';
import { TASK_SOCKET_ENV, WORKER_CONFIG_ENV } from '../ipc/worker-env.js';
import { CrashBackoff, drainAll, exitReason, ProcessSlot } from './process-slot.js';
import type { ServerState } from '../control/state-file.js';
import type { WorkerLauncher } from '../zygote/worker-launcher.js';

const ROLE_HINT =
  'With --task-workers or --tick the worker script runs in those processes too: branch on \\Ephpm\\Octane\\worker_role() (README: "Tasks and ticks").';

class TaskSlot extends ProcessSlot<TaskWorkerStats> {
  constructor(
    readonly role: 'task' | 'tick',
    ...slot: ConstructorParameters<typeof ProcessSlot<TaskWorkerStats>>
  ) {
    super(...slot);
  }

  whenBooted(): Promise<void> {
    return this.whenReady(
      `A ${this.role} worker`,
      (error) => `A ${this.role} worker failed to start: ${error}`,
      ROLE_HINT,
    );
  }
}

const byRoleAndIndex = (a: TaskSlot, b: TaskSlot) =>
  a.role === b.role ? a.index - b.index : a.role === 'task' ? -1 : 1;

/**
 * The task workers and the tick worker: processes that run the same worker
 * script without HTTP. Forked, respawned, reloaded and drained by the
 * supervisor through this class.
 */
export class TaskPool {
  private readonly slots = new Set<TaskSlot>();
  private stopping = false;
  private running = false;
  private readonly crashes = new CrashBackoff();
  private readonly ledger = new CounterLedger<TaskCounters>(emptyTaskCounters);

  constructor(
    private readonly config: ServerConfig,
    private readonly logger: Logger,
    private readonly launcher: WorkerLauncher,
    /** Called whenever the set of running task and tick workers changes (the supervisor rewrites the state file). */
    private readonly onChange: () => void = () => {},
    private readonly restarts: RestartCounts | null = null,
  ) {}

  /** The processes that run now, for the state file. */
  runningProcesses(): NonNullable<ServerState['taskWorkers']> {
    return [...this.slots]
      .filter((slot) => slot.ready && !slot.draining && !slot.exited)
      .sort(byRoleAndIndex)
      .map((slot) => ({ role: slot.role, index: slot.index, pid: slot.pid, startedAt: slot.startedAt.toISOString() }));
  }

  async start(): Promise<void> {
    const slots = Array.from({ length: this.config.taskWorkers }, (_, i) => this.fork('task', i + 1, 0));
    if (this.config.tick) slots.push(this.fork('tick', 1, 0));
    await Promise.all(slots.map((slot) => slot.whenBooted()));
    this.running = true;
    const started = [
      this.config.taskWorkers > 0
        ? `${this.config.taskWorkers} task worker${this.config.taskWorkers === 1 ? '' : 's'}`
        : '',
      this.config.tick ? 'the tick worker' : '',
    ].filter(Boolean);
    if (started.length > 0)
      this.logger.info(`started ${started.join(' and ')}`, {
        taskWorkers: this.config.taskWorkers,
        tick: this.config.tick,
      });
  }

  /** Each one finishes the tasks it holds, then exits; SIGKILL after the shutdown timeout. */
  async stop(): Promise<void> {
    this.stopping = true;
    await drainAll(this.slots, 'shutdown', this.config.drainTimeoutMs);
    for (const path of taskSocketPaths(this.config)) rmSync(path, { force: true });
  }

  /** One at a time: the replacement takes over the socket path once it is ready, then the old one drains. */
  async reload(): Promise<void> {
    for (const slot of [...this.slots]) {
      if (this.stopping || slot.draining || !this.slots.has(slot)) continue;
      const replacement = this.fork(slot.role, slot.index, slot.restarts + 1);
      this.restarts?.count(slot.role, 'reload');
      await replacement.whenBooted().catch((error: Error) => {
        throw new EphpmError(
          'EPHPM_RELOAD_FAILED',
          `reload stopped: a new ${slot.role} worker failed to start, the old ones keep running.\n${error.message}`,
        );
      });
      this.drain(slot);
    }
  }

  async status(): Promise<TaskWorkerStatus[]> {
    const slots = [...this.slots].sort(byRoleAndIndex);
    const stats = await Promise.all(slots.map((slot) => slot.stats()));
    const now = Date.now();
    return slots.map((slot, i) => ({
      role: slot.role,
      index: slot.index,
      pid: slot.pid,
      state: slot.draining ? 'draining' : slot.ready ? 'running' : 'starting',
      done: stats[i]?.done ?? 0,
      waiting: stats[i]?.waiting ?? 0,
      missedTicks: stats[i]?.missedTicks ?? 0,
      rssBytes: stats[i]?.rssBytes ?? 0,
      uptimeSeconds: slot.uptimeSeconds(now),
      restarts: slot.restarts,
    }));
  }

  /** Every task and tick worker that ever ran, as of each one's latest stats (status() refreshes them). */
  counters(): TaskCounters {
    return this.ledger.total([...this.slots].map((slot) => slot.lastStats?.counters));
  }

  private fork(role: TaskSlot['role'], index: number, restarts: number): TaskSlot {
    const env = {
      ...process.env,
      [WORKER_CONFIG_ENV]: JSON.stringify(this.config),
      ...taskEnv(this.config, role),
      [TASK_SOCKET_ENV]: role === 'task' ? taskSocketPath(this.config.stateFile, index) : '',
    };
    const child = this.launcher.launch(fileURLToPath(new URL('../tasks/task-worker-main.js', import.meta.url)), env);
    const slot = new TaskSlot(role, child, index, restarts);
    this.slots.add(slot);
    child.on('message', (message: { type: string }) => {
      if (message.type === 'ready') this.onChange();
    });
    child.on('exit', (code, signal) => this.onExit(slot, code, signal));
    return slot;
  }

  private drain(slot: TaskSlot): void {
    slot.drain('shutdown');
    this.onChange();
  }

  private onExit(slot: TaskSlot, code: number | null, signal: NodeJS.Signals | null): void {
    this.slots.delete(slot);
    this.ledger.retire(slot.lastStats?.counters);
    this.onChange();
    if (this.stopping || slot.draining || !this.running) return;
    this.logger.warn(
      `${slot.role} worker ${slot.pid} exited unexpectedly (${exitReason(code, signal)}); starting a new one`,
    );
    this.restarts?.count(slot.role, 'crash');
    setTimeout(
      () =>
        void this.launcher.settled().then(() => {
          if (!this.stopping) this.fork(slot.role, slot.index, slot.restarts + 1);
        }),
      this.crashes.next(),
    );
  }
}

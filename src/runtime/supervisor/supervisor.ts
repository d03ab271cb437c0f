import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../config/server-config.js';
import { ControlServer, controlSocketPath } from '../control/control-server.js';
import type { ServerStatus } from '../metrics/server-status.js';
import { EphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { refuseLiveSocket } from '../owner-only-socket.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { clusterRowsAsText } from '../cluster/cluster-rows-text.js';
import { createTables, type SharedTables } from '../tables/tables.js';
import type { WorkerMessage } from '../ipc/process-messages.js';
import { requestWorkerEnv } from '../ipc/worker-env.js';
import { ConnectionBalancer } from './connection-balancer.js';
import { newJournalPath, readJournal, removeJournal, sweepJournals } from './request-journal.js';
import { newWorkerTempDir, removeWorkerTempDir } from './worker-temp-dir.js';
import { CrashBackoff, drainAll, exitReason } from './process-slot.js';
import { nativeConnectionState } from '../native/process-face.js';
import { alreadyRunningError, removeServerState, takeServerLock, writeServerState } from '../control/state-file.js';
import { TaskPool } from './task-pool.js';
import { WorkerSlot } from './worker-slot.js';
import { recycleText } from './recycle-text.js';
import { workerExecArgv } from './worker-heap.js';
import { WorkerLauncher } from '../zygote/worker-launcher.js';

const WORKER_MAIN = fileURLToPath(new URL('../http/worker-main.js', import.meta.url));

export interface ReloadOptions {
  /** No "reloading"/"reloaded" log lines: the caller reports progress. */
  quiet?: boolean;
  /**
   * A replacement whose PHP fails to boot is given up instead of retried (the old worker keeps
   * serving) and the failure is left to the caller to report (`ephpm dev` waits for the next change).
   */
  giveUpOnBootFailure?: boolean;
}

/**
 * The supervisor: forks the worker processes, replaces them when they ask
 * (max-requests, stuck PHP), die or are reloaded, answers the control socket,
 * and shuts everything down gracefully.
 */
export class Supervisor {
  private readonly slots = new Set<WorkerSlot>();
  private running = false;
  private stopping = false;
  private reloading: Promise<void> | null = null;
  private readonly crashes = new CrashBackoff();
  private requestsOfGoneWorkers = 0;
  private readonly startedAt = new Date();
  private control: ControlServer | null = null;
  /** `ephpm dev` started on code that fails to boot: the task and tick workers start with the first good code. */
  private tasksWaitForGoodCode = false;
  /** `ephpm dev` started on code that fails to boot: why. */
  startupBootError: Error | null = null;
  /** What `ephpm reload` does (`ephpm dev` restarts as for a file change). */
  reloadCommand: () => Promise<void> = () => this.reload();
  private tables: SharedTables | null = null;
  /** The listening socket: new connections go to the worker with the fewest open. */
  private balancer: ConnectionBalancer | null = null;
  /** Cluster mode: the tables replicated through Redis ([cluster]); its code and Redis client load only then. */
  private cluster: ClusterNode | null = null;
  private readonly tasks: TaskPool;
  private readonly launcher: WorkerLauncher;
  private readonly metrics: ServerMetrics;
  private exited!: (code: number) => void;
  readonly finished = new Promise<number>((resolve) => (this.exited = resolve));

  constructor(
    private readonly config: ServerConfig,
    private readonly logger: Logger,
  ) {
    this.launcher = new WorkerLauncher(config, workerExecArgv(process.execArgv, process.env.NODE_OPTIONS), logger);
    this.metrics = new ServerMetrics(config, logger);
    this.tasks = new TaskPool(config, logger, this.launcher, () => this.saveState(), this.metrics.restarts);
  }

  /** Resolves once every worker serves; rejects with the first boot failure. */
  async start(): Promise<void> {
    // The lock, not the state file, says whether a server runs: a truncated file or a reused pid changes nothing.
    const holder = takeServerLock(this.config.stateFile);
    if (holder !== 0) throw alreadyRunningError(holder, this.config.stateFile);
    await refuseLiveSocket(controlSocketPath(this.config.stateFile));
    sweepJournals();
    const connections = nativeConnectionState();
    this.balancer = await ConnectionBalancer.listen(this.config.host, this.config.port, (fd) =>
      connections.connectionState(fd),
    );
    this.config.port = this.balancer.port; // port 0: the free one it got
    this.tables = createTables(this.config, this.logger);
    if (this.tables) this.config.tablesSegment = this.tables.segment;
    if (this.config.cluster && this.tables) {
      const { ClusterNode } = await import('../cluster/cluster-node.js');
      this.cluster = await ClusterNode.start(this.config, this.tables.segment, this.logger).catch((error: unknown) => {
        this.tables?.remove();
        this.balancer?.close();
        throw error;
      });
    }
    await this.metrics.listen(() => this.snapshot());
    await this.launcher.renew();
    const showBootErrors = this.config.devReportsBootErrors;
    const slots = Array.from({ length: this.config.workers }, (_, i) =>
      this.fork(i + 1, 0, null, showBootErrors, showBootErrors),
    );
    try {
      if (showBootErrors) this.startupBootError = await this.bootOrShowError(slots);
      else await Promise.all([...slots.map((slot) => slot.whenReady('A worker')), this.tasks.start()]);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.control = await ControlServer.listen(controlSocketPath(this.config.stateFile), {
      status: () => this.status(),
      metrics: () => this.snapshot(),
      reload: () => this.reloadCommand(),
      stop: () => this.stop(),
      clusterRows: (table) => clusterRowsAsText(this.cluster, table),
    });
    this.running = true;
    this.saveState();
    process.on('SIGINT', () => void this.stop());
    process.on('SIGTERM', () => void this.stop());
    const url = this.url();
    this.logger.info(
      `serving ${url} with ${this.config.workers} PHP worker process${this.config.workers === 1 ? '' : 'es'} (supervisor pid ${process.pid})`,
      { url, workers: this.config.workers },
    );
  }

  /** Drain every worker, then resolve `finished` with 0. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const announce = this.running;
    if (announce) this.logger.info('stopping: finishing requests in flight');
    this.balancer?.close();
    await drainAll(this.slots, 'shutdown', this.config.drainTimeoutMs);
    await this.tasks.stop(); // after the request workers: requests in flight may still wait for tasks
    this.launcher.release();
    await this.cluster?.stop(); // after every writer: their last writes go out first
    this.tables?.remove();
    await this.control?.close();
    await this.metrics.close();
    if (announce) {
      removeServerState(this.config.stateFile);
      this.logger.info('stopped');
    }
    this.exited(0);
  }

  /**
   * Rolling restart: one worker at a time is replaced by a fresh process
   * (new code, fresh OPcache), which takes traffic before the old one drains.
   */
  reload(options: ReloadOptions = {}): Promise<void> {
    this.reloading ??= (async () => {
      if (!options.quiet) this.logger.info('reloading: replacing worker processes one at a time');
      let failure: Error | null = null;
      await this.settleRecycling();
      await this.launcher.renew(); // a fresh OPcache for the new workers
      for (const slot of [...this.slots]) {
        if (this.stopping || slot.leaving || slot.successor || !this.slots.has(slot)) continue;
        // A worker showing a boot error is replaced anyway: by the new code, or by the new code's error.
        const showBootError = slot.bootError !== null;
        const replacement = this.fork(
          slot.index,
          slot.restarts + 1,
          slot,
          options.giveUpOnBootFailure || showBootError,
          showBootError,
        );
        replacement.startedBecause = 'reload';
        slot.successor = replacement;
        this.metrics.restarts.count('http', 'reload');
        try {
          await replacement.whenReady('A worker');
        } catch (error) {
          const message = `reload stopped: a new worker failed to start, the old ones keep serving.\n${(error as Error).message}`;
          failure = Object.assign(new EphpmError('EPHPM_RELOAD_FAILED', message), { cause: error });
          if (replacement.bootError === null) throw failure;
        }
        // Once reloaded, every new connection reaches new code.
        await slot.stoppedAccepting;
      }
      await this.settleRecycling(); // workers that started recycling meanwhile
      if (failure) throw failure;
      if (this.tasksWaitForGoodCode) await this.tasks.start();
      else await this.tasks.reload();
      this.tasksWaitForGoodCode = false;
      if (!options.quiet) this.logger.info('reloaded');
    })().finally(() => (this.reloading = null));
    return this.reloading;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** `ephpm dev`: the workers answer with a boot error, there is no good code to serve. */
  get showsBootError(): boolean {
    return [...this.slots].some((slot) => slot.bootError !== null && !slot.draining);
  }

  async status(): Promise<ServerStatus> {
    const slots = [...this.slots].sort((a, b) => a.index - b.index);
    const stats = await Promise.all(slots.map((slot) => slot.stats()));
    const now = Date.now();
    const workers = slots.map((slot, i) => slot.statusRow(stats[i] ?? null, now));
    return {
      pid: process.pid,
      url: this.url(),
      host: this.config.host,
      port: this.config.port,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: (now - this.startedAt.getTime()) / 1000,
      totalRequests: this.requestsOfGoneWorkers + workers.reduce((sum, w) => sum + w.requests, 0),
      workers,
      taskWorkers: await this.tasks.status(),
      tablesSegment: this.tables?.segment ?? null,
      ...(this.cluster ? { cluster: this.cluster.status() } : {}),
    };
  }

  /** Everything counted, server-wide: `ephpm top` and /metrics. Refreshes every process's stats first. */
  async snapshot(): Promise<MetricsSnapshot> {
    const status = await this.status();
    const live = [...this.slots].map((slot) => slot.lastStats?.counters);
    return this.metrics.snapshot(status, live, this.tasks.counters(), this.tables?.segment ?? null);
  }

  private url(): string {
    return `${this.config.tls ? 'https' : 'http'}://${this.config.host}:${this.config.port}`;
  }

  private fork(
    index: number,
    restarts: number,
    replaces: WorkerSlot | null,
    giveUpOnBootFailure = false,
    showBootError = false,
  ): WorkerSlot {
    const tempDir = newWorkerTempDir(this.logger);
    const journal = newJournalPath();
    const env = requestWorkerEnv(this.config, { tempDir, journal, showBootError });
    const slot = new WorkerSlot(this.launcher.launch(WORKER_MAIN, env), index, restarts);
    slot.tempDir = tempDir;
    slot.journal = journal;
    slot.replaces = replaces;
    slot.giveUpOnBootFailure = giveUpOnBootFailure;
    this.slots.add(slot);
    slot.child.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    slot.child.on('exit', (code, signal) => this.onExit(slot, code, signal));
    slot.killIfDrainingAfter(this.config.drainTimeoutMs, () =>
      this.logger.warn(
        `worker ${slot.pid} was still draining after ${this.config.drainTimeoutMs / 1000}s (drain_timeout): killed`,
      ),
    );
    return slot;
  }

  /**
   * `ephpm dev`: code that fails to boot leaves the workers answering with its error (the port stays
   * answered, `status` and `stop` work); the task and tick workers wait for the first good code.
   */
  private async bootOrShowError(slots: WorkerSlot[]): Promise<Error | null> {
    const booted = await Promise.allSettled(slots.map((slot) => slot.whenReady('A worker')));
    const failure = booted.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failure) {
      await this.tasks.start();
      return null;
    }
    if (!slots.every((slot) => slot.ready || slot.bootError !== null)) throw failure.reason;
    this.tasksWaitForGoodCode = true;
    return failure.reason as Error;
  }

  private onMessage(slot: WorkerSlot, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.balancer?.accept(slot);
        if (slot.replaces?.retiring) {
          slot.replaces.superseded = true;
          slot.replaces.send({ type: 'replacement-ready' }); // it hands over at its limit
        } else if (slot.replaces) {
          slot.replaces.drain('handover');
        }
        slot.replaces = null;
        this.balancer?.evenOut((worker) => worker.leaving);
        this.saveState();
        return;
      case 'draining':
        this.balancer?.stopSending(slot);
        // A recycled worker hands over on its own; any other that drains unasked (SIGTERM) is replaced.
        if (slot.retiring) slot.markDraining();
        this.saveState();
        return;
      case 'recycle': {
        if (this.stopping || slot.leaving) return;
        if (message.reason === 'timeout') {
          slot.markDraining(); // it leaves on its own
          this.balancer?.stopSending(slot); // what it gives back goes to the others (or waits for its replacement)
        }
        if (slot.successor) return; // already being replaced (a reload)
        this.logger.info(
          `worker ${slot.pid} is being replaced: ${recycleText(message.reason, message.rssBytes ?? 0, this.config)}`,
          { reason: message.reason },
        );
        if (message.reason !== 'timeout') slot.retiring = true;
        this.metrics.restarts.count('http', message.reason);
        const replacement = this.fork(slot.index, slot.restarts + 1, slot);
        replacement.startedBecause = message.reason;
        slot.successor = replacement;
        return;
      }
      case 'boot-failed':
        if (message.showing) {
          slot.bootError = message.message;
          this.balancer?.accept(slot);
          if (slot.replaces) slot.replaces.drain('handover');
          slot.replaces = null;
          return;
        }
        if (slot.ready || !this.running || slot.giveUpOnBootFailure) return; // start() and reload() report their own
        this.logger.error(`a new worker failed to start: ${message.message}`);
        return;
      case 'stats':
        slot.lastRequests = message.stats.requests;
        return;
      case 'connections':
        for (const id of message.taken) this.balancer?.confirmed(id);
        this.balancer?.closed(slot, message.closed);
        return;
      case 'connections-handed-back':
        this.balancer?.handedBack(slot, message.connections);
        return;
      case 'connection-returned':
        this.balancer?.returned(message.id);
        return;
    }
  }

  private onExit(slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null): void {
    removeWorkerTempDir(slot.tempDir, slot.pid, this.logger);
    // A successor that never served: its predecessor may be replaced again (a retry sets it anew).
    for (const other of this.slots) if (other.successor === slot && !slot.ready) other.successor = null;
    this.slots.delete(slot);
    this.balancer?.gone(slot, readJournal(slot.journal));
    removeJournal(slot.journal);
    this.requestsOfGoneWorkers += slot.lastRequests ?? 0;
    this.metrics.http.retire(slot.lastStats?.counters);
    this.saveState();
    if (this.stopping || slot.leaving || !this.running) return;
    if (!slot.ready && slot.giveUpOnBootFailure) return; // the worker it was to replace keeps serving
    this.logger.warn(`worker ${slot.pid} exited unexpectedly (${exitReason(code, signal)}); starting a new one`);
    this.metrics.restarts.count('http', 'crash');
    const delay = this.crashes.next();
    // A replacement that was starting for this worker simply takes its place.
    if ([...this.slots].some((other) => other.replaces === slot)) return;
    // A replacement that failed to boot: the old worker keeps serving; try again.
    const stillServing = !slot.ready && slot.replaces && !slot.replaces.exited ? slot.replaces : null;
    // Not unref'd: with every worker gone this timer is what keeps the supervisor alive.
    setTimeout(
      () =>
        void this.launcher.settled().then(() => {
          if (this.stopping) return;
          const next = this.fork(slot.index, slot.restarts + 1, stillServing);
          next.startedBecause = 'crash';
          if (stillServing) stillServing.successor = next;
        }),
      delay,
    );
  }

  /**
   * A reload first lets every worker being recycled hand over, once its replacement serves: no slot gets two
   * replacements, and the replacements are then reloaded like any other worker.
   */
  private async settleRecycling(): Promise<void> {
    for (const slot of [...this.slots]) {
      const successor = slot.successor;
      if (!slot.retiring || !successor || slot.draining || slot.exited) continue;
      await successor.readyOrGone();
      if (!successor.ready || successor.exited || slot.exited) continue;
      slot.drain('handover');
      await slot.stoppedAccepting;
    }
  }

  private saveState(): void {
    if (this.stopping || !this.running) return;
    writeServerState(this.config.stateFile, {
      pid: process.pid,
      host: this.config.host,
      port: this.config.port,
      scheme: this.config.tls ? 'https' : 'http',
      startedAt: this.startedAt.toISOString(),
      root: this.config.root,
      workerScript: this.config.workerScript,
      controlSocket: controlSocketPath(this.config.stateFile),
      workers: [...this.slots]
        .filter((s) => s.ready && !s.leaving)
        .map((s) => ({ pid: s.pid, startedAt: s.startedAt.toISOString() })),
      taskWorkers: this.tasks.runningProcesses(),
      ...(this.tables ? { tables: this.tables.segment } : {}),
    });
  }
}

import type { ChildProcess } from 'node:child_process';
import { EphpmError } from '../errors.js';
import type { ChildMessage, DrainMode, SupervisorMessage } from '../ipc/process-messages.js';

const STATS_TIMEOUT_MS = 1_000;
const CRASH_WINDOW_MS = 10_000;
const MAX_RESPAWN_DELAY_MS = 5_000;

/**
 * One worker process the supervisor keeps running (a request, task or tick worker): its position, readiness,
 * stats, draining and exit. Its child is the worker, or the worker proxy standing for a worker the PHP zygote
 * forked (zygote/worker-launcher.ts): signals to it reach the worker, and it exits as the worker does.
 */
export class ProcessSlot<Stats> {
  readonly startedAt = new Date();
  ready = false;
  exited = false;
  /** What the process said in its latest `stats` message. */
  lastStats: Stats | null = null;
  private drainingSince = 0;
  private workerPid: number | undefined;
  /** Sent before the process said it listens (a message it would have dropped while still loading). */
  private held: SupervisorMessage[] | null = [];
  private drainDeadline: { ms: number; killed(): void } | null = null;
  /** Resolves once the process has exited. */
  readonly exit: Promise<void>;

  constructor(
    /** The worker or its proxy, with the IPC channel to the worker. */
    readonly child: ChildProcess,
    /** Stable position 1..N; a replacement takes over its predecessor's number. */
    readonly index: number,
    readonly restarts: number,
  ) {
    this.exit = new Promise((resolve) =>
      child.once('exit', () => {
        this.exited = true;
        resolve();
      }),
    );
    child.on('message', (message: ChildMessage<Stats>) => {
      if (message.type === 'listening') {
        this.workerPid = message.pid;
        this.sendHeld();
      }
      if (message.type === 'ready') this.ready = true;
      if (message.type === 'stats') this.lastStats = message.stats;
    });
  }

  /** The worker's own pid once it said it listens; until then its child's (the worker, or its proxy). */
  get pid(): number {
    return this.workerPid ?? this.child.pid!;
  }

  /** Signals the worker itself (its proxy would pass on all but SIGKILL, and a SIGKILLed proxy takes it along). */
  kill(signal: NodeJS.Signals): void {
    if (this.workerPid === undefined) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(this.workerPid, signal);
    } catch {
      // already gone
    }
  }

  uptimeSeconds(now = Date.now()): number {
    return (now - this.startedAt.getTime()) / 1000;
  }

  /** Dropped when the process is gone or its channel closed (also when it closes as this is sent: EPIPE). */
  send(message: SupervisorMessage): void {
    if (this.held) this.held.push(message);
    else if (!this.exited && this.child.connected) this.child.send(message, () => undefined);
  }

  private sendHeld(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const message of held) this.send(message);
  }

  get draining(): boolean {
    return this.drainingSince > 0;
  }

  /** Told to drain, or said it does: from now on it counts as leaving (and the drain deadline runs). */
  markDraining(): void {
    if (this.draining) return;
    this.drainingSince = Date.now();
    const deadline = this.drainDeadline;
    if (!deadline) return;
    setTimeout(() => {
      if (this.exited) return;
      deadline.killed();
      this.kill('SIGKILL');
    }, deadline.ms).unref();
  }

  /** A draining process still running after `ms` is SIGKILLed (`killed` says so first). */
  killIfDrainingAfter(ms: number, killed: () => void): void {
    this.drainDeadline = { ms, killed };
  }

  drain(mode: DrainMode): void {
    this.markDraining();
    this.send({ type: 'drain', mode });
  }

  /**
   * Resolves when the process says it is ready; rejects with EPHPM_WORKER_BOOT when its
   * boot fails (`explain` turns PHP's error into the message) or it exits first.
   */
  whenReady(name: string, explain: (error: string) => string = (error) => error, defaultHint?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: ChildMessage<Stats>) => {
        if (message.type === 'ready') settle(null);
        if (message.type === 'boot-failed')
          settle(new EphpmError('EPHPM_WORKER_BOOT', explain(message.message), message.hint ?? defaultHint));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        settle(
          new EphpmError('EPHPM_WORKER_BOOT', `${name} process exited while starting (${exitReason(code, signal)}).`),
        );
      const settle = (error: EphpmError | null) => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** Resolves once the process says it is ready (at once if it did), or once it has exited. */
  readyOrGone(): Promise<void> {
    if (this.ready || this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      const onMessage = (message: ChildMessage<Stats>) => {
        if (message.type === 'ready') done();
      };
      const done = () => {
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      void this.exit.then(done);
    });
  }

  /** The process's own figures, or null when it is not ready, gone, or does not answer within a second. */
  stats(): Promise<Stats | null> {
    if (!this.ready || this.exited || !this.child.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), STATS_TIMEOUT_MS);
      const onMessage = (message: ChildMessage<Stats>) => {
        if (message.type === 'stats') done(message.stats);
      };
      const done = (stats: Stats | null) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(stats);
      };
      this.child.on('message', onMessage);
      this.send({ type: 'stats' });
    });
  }
}

/** Drains every slot and waits for them to exit; what is still running after `killAfterMs` is SIGKILLed. */
export async function drainAll(
  slots: Iterable<ProcessSlot<unknown>>,
  mode: DrainMode,
  killAfterMs: number,
): Promise<void> {
  const list = [...slots];
  for (const slot of list) slot.drain(mode);
  const timer = setTimeout(() => {
    for (const slot of list) if (!slot.exited) slot.kill('SIGKILL');
  }, killAfterMs).unref();
  await Promise.all(list.map((slot) => slot.exit));
  clearTimeout(timer);
}

/** How long to wait before replacing a crashed process: at once, unless it keeps crashing. */
export class CrashBackoff {
  private recent: number[] = [];

  /** Records a crash now and returns the delay before the next fork (0 ms, then 400 ms doubling up to 5 s). */
  next(now = Date.now()): number {
    this.recent = [...this.recent.filter((t) => now - t < CRASH_WINDOW_MS), now];
    return this.recent.length <= 1 ? 0 : Math.min(MAX_RESPAWN_DELAY_MS, 100 * 2 ** this.recent.length);
  }
}

export function exitReason(code: number | null, signal: string | null): string {
  return signal ?? `exit code ${code}`;
}

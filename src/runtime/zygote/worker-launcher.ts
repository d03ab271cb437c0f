import { fork, type ChildProcess } from 'node:child_process';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { Zygote } from './zygote.js';

/** A zygote that crashes this often within a minute is not started again: workers start their own PHP. */
const MAX_ZYGOTE_CRASHES_PER_MINUTE = 3;

/**
 * Starts worker processes: forked by the current PHP zygote, so they share its OPcache; or, when no zygote could
 * start, as Node children that each start their own PHP (and OPcache), as before the zygote.
 */
export class WorkerLauncher {
  private zygote: Zygote | null = null;
  private generation = 0;
  /** Zygote starts, one after the other: a reload's and a crashed zygote's successor never overlap. */
  private starts: Promise<void> = Promise.resolve();
  private crashes: number[] = [];
  private released = false;

  constructor(
    private readonly config: Pick<ServerConfig, 'stateFile' | 'workerScript' | 'phpIni'>,
    private readonly execArgv: string[],
    private readonly logger: Logger,
  ) {}

  /**
   * A new zygote for the workers started from now on (a server's start, each reload: a fresh OPcache and the
   * current PHP settings); the one before forks no more and exits after its last worker.
   */
  renew(): Promise<void> {
    this.starts = this.starts
      .then(() => this.startNext())
      .catch((error: Error) => {
        this.zygote = null;
        this.logger.warn(`no PHP zygote: ${error.message}; each worker starts its own PHP, with an OPcache each`);
      });
    return this.starts;
  }

  /**
   * Resolves once no zygote is starting. A zygote that crashes takes its workers with it (PR_SET_PDEATHSIG);
   * their replacements wait for this, so that they are forked by its successor and share one OPcache again.
   */
  settled(): Promise<void> {
    return this.starts;
  }

  /** A worker process running `entry` (its main module) with `env`, and Node's IPC channel to it. */
  launch(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
    if (this.zygote?.alive) return this.zygote.fork(entry, env);
    if (this.zygote) {
      this.logger.warn('the PHP zygote forks no more; new workers start their own PHP, with an OPcache each');
      this.zygote = null;
    }
    return fork(entry, [], { env, execArgv: this.execArgv });
  }

  /** Forks no more (the server stops). */
  release(): void {
    this.released = true;
    this.zygote?.release();
    this.zygote = null;
  }

  private async startNext(): Promise<void> {
    if (this.released) return;
    const previous = this.zygote;
    const generation = ++this.generation;
    const started = await Zygote.start(this.config, this.execArgv, `zygote-${generation}`, (reason) =>
      this.crashed(generation, reason),
    );
    previous?.release();
    if (typeof started === 'string') {
      this.zygote = null;
      this.logger.warn(`no PHP zygote: ${started}; each worker starts its own PHP, with an OPcache each`);
    } else if (this.released) {
      started.release();
    } else {
      this.zygote = started;
    }
  }

  private crashed(generation: number, reason: string): void {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((at) => now - at < 60_000), now];
    if (generation !== this.generation || this.released) return;
    if (this.crashes.length > MAX_ZYGOTE_CRASHES_PER_MINUTE) {
      this.zygote = null;
      this.logger.warn(
        `the PHP zygote exited (${reason}), ${this.crashes.length} times within a minute: new workers start their own PHP, with an OPcache each`,
      );
      return;
    }
    this.logger.warn(`the PHP zygote exited (${reason}), and its workers with it; starting a new one`);
    void this.renew();
  }
}

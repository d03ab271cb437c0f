import { fork, type ChildProcess } from 'node:child_process';
import type { ServerConfig } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { Zygote } from './zygote.js';

/**
 * Starts worker processes: forked by the current PHP zygote, so they share its OPcache; or, when no zygote could
 * start or it died, as Node children that each start their own PHP (and OPcache), as before the zygote.
 */
export class WorkerLauncher {
  private zygote: Zygote | null = null;
  private generation = 0;

  constructor(
    private readonly config: Pick<ServerConfig, 'stateFile' | 'workerScript' | 'phpIni'>,
    private readonly execArgv: string[],
    private readonly logger: Logger,
  ) {}

  /**
   * A new zygote for the workers started from now on (a server's start, each reload: a fresh OPcache and the
   * current PHP settings); the one before forks no more and exits after its last worker.
   */
  async renew(): Promise<void> {
    const previous = this.zygote;
    const started = await Zygote.start(this.config, this.execArgv, `zygote-${++this.generation}`, (reason) =>
      this.logger.warn(`the PHP zygote exited (${reason}); new workers start their own PHP, with an OPcache each`),
    );
    previous?.release();
    if (typeof started === 'string') {
      this.zygote = null;
      this.logger.warn(`no PHP zygote: ${started}; each worker starts its own PHP, with an OPcache each`);
    } else {
      this.zygote = started;
    }
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
    this.zygote?.release();
    this.zygote = null;
  }
}

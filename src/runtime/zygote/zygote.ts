import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerConfig } from '../config/server-config.js';
import { addonPath, proxyProgramPath } from '../native/addon.js';
import { socketPathBeside } from '../owner-only-socket.js';
import { iniLines } from '../php/embedded-php.js';
import { WORKER_ENTRY_ENV, ZYGOTE_LISTEN_ENV } from './zygote-env.js';

const START_TIMEOUT_MS = 30_000;
const FORKED_ENTRY = fileURLToPath(new URL('./forked-worker-main.js', import.meta.url));

/**
 * The PHP zygote (native/zygote/zygote.h): a Node process that ran PHP's module startup before Node's main, and
 * forks each worker asked of it through the worker proxy (native/worker-proxy/). Its workers share its OPcache, as
 * php-fpm's children share their master's (docs/ARCHITECTURE.md, "Memory per worker").
 */
export class Zygote {
  private gone = false;
  private released = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly socketPath: string,
    onExit: (reason: string) => void,
  ) {
    // It ends its stdout when it stops forking (told to by a signal: Ctrl-C reaches the whole process group), and
    // exits 0 after its last worker. Anything else is a crash.
    child.stdout?.once('end', () => (this.gone = true));
    child.once('exit', (code, signal) => {
      this.gone = true;
      if (!this.released && (signal !== null || code !== 0)) onExit(signal ?? `exit code ${code}`);
    });
  }

  /** A started zygote, or why none could start (then each worker starts its own PHP). */
  static async start(
    config: Pick<ServerConfig, 'stateFile' | 'workerScript' | 'phpIni'>,
    execArgv: string[],
    name: string,
    onExit: (reason: string) => void,
  ): Promise<Zygote | string> {
    const preload = addonPath();
    if (!existsSync(preload)) return `there is no addon at ${preload}`;
    if (/[\s:]/.test(preload))
      return `the addon's path has a space or colon, which LD_PRELOAD cannot carry: ${preload}`;
    if (!existsSync(proxyProgramPath()))
      return `${proxyProgramPath()} is missing: rebuild the addon (ephpm runtime:build)`;
    const socketPath = socketPathBeside(config.stateFile, `${name}.sock`);
    const child = spawn(process.execPath, [...execArgv, FORKED_ENTRY], {
      env: {
        ...process.env,
        LD_PRELOAD: [preload, process.env.LD_PRELOAD].filter(Boolean).join(':'),
        [ZYGOTE_LISTEN_ENV]: socketPath,
        EPHPM_ZYGOTE_SCRIPT: config.workerScript,
        EPHPM_ZYGOTE_INI: iniLines(config.phpIni),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Held until it is ready: what the dynamic loader says when it cannot preload the addon belongs in the reason.
    let said = '';
    const collect = (data: Buffer) => (said += data.toString());
    child.stderr!.on('data', collect);
    const answer = await firstLine(child);
    child.stderr!.off('data', collect);
    if (answer !== 'ready') {
      child.kill('SIGKILL');
      const loader = said.trim().split('\n')[0];
      return answer.replace(/^failed: /, '') + (loader ? ` (${loader})` : '');
    }
    child.stderr!.pipe(process.stderr);
    return new Zygote(child, socketPath, onExit);
  }

  get alive(): boolean {
    return !this.gone && !this.released;
  }

  /** Starts `entry` (a worker's main module) in a process this zygote forks, with Node's IPC channel to it. */
  fork(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
    return spawn(proxyProgramPath(), [], {
      env: { ...env, EPHPM_ZYGOTE: this.socketPath, [WORKER_ENTRY_ENV]: entry },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
  }

  /** Forks no more: it exits once the workers it forked have. */
  release(): void {
    this.released = true;
    this.child.stdin?.end();
  }
}

/** The zygote's first line on stdout: "ready", or "failed: why"; or why it said nothing. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => done(`it said nothing within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
    const onData = (data: Buffer) => {
      text += data.toString();
      if (text.includes('\n')) done(text.slice(0, text.indexOf('\n')));
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(text.trim() || `it exited while starting (${signal ?? `exit code ${code}`})`);
    const done = (line: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      resolve(line);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

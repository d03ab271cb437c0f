import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'bin', 'run.js');
export const fixture = (...parts: string[]) => join(repoRoot, 'test', 'fixtures', ...parts);
export const appWorker = fixture('workers', 'app.php');

export function tempDir(prefix = 'ephpm-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningServer extends ObservedProcess {
  url: string;
  port: number;
  stateFile: string;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  stateFile?: string;
  /** Flags for node itself (the supervisor; workers inherit them). */
  nodeArgs?: string[];
  /** The command that runs the server (default: serve). */
  command?: 'serve' | 'dev';
  /** A command the server runs under (e.g. a private mount namespace): it is given node and its arguments. */
  wrap?: string[];
}

/** A process whose stdout and stderr are collected, with a way to wait for a line and to stop it. */
export interface ObservedProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in the output from `from` on (waits for it to appear). */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function observeProcess(child: ChildProcess): ObservedProcess {
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp, from = 0, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(output.slice(from));
        if (!match) return;
        done();
        resolve(match);
      };
      const onExit = () => {
        done();
        reject(new Error(`process exited before printing ${pattern}:\n${output}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${timeoutMs / 1000}s in:\n${output.slice(from)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', onExit);
      };
      // Listeners added after the collecting ones above: `output` already holds the new data.
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', onExit);
      check();
      if (child.exitCode !== null || child.signalCode !== null) onExit();
    });
  return {
    child,
    output: () => output,
    waitFor,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the real CLI (`ephpm serve --port 0 ...`, or `dev`) and waits for its "serving" line. */
export async function startServer(args: string[], options: StartOptions = {}): Promise<RunningServer> {
  const stateFile = options.stateFile ?? join(tempDir(), 'server.json');
  const command = [
    process.execPath,
    ...(options.nodeArgs ?? []),
    cliPath,
    options.command ?? 'serve',
    '--port',
    '0',
    '--state-file',
    stateFile,
    ...args,
  ];
  const [program, ...programArgs] = [...(options.wrap ?? []), ...command];
  const child = spawn(program!, programArgs, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const observed = observeProcess(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    const match = await observed.waitFor(/serving (https?:\/\/[^:\s]+:(\d+))/, 0, 20_000);
    return { ...observed, url: match[1]!, port: Number(match[2]), stateFile };
  } catch (error) {
    throw new Error(`server did not start: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the CLI to completion (for commands that fail fast); `output` is stdout and stderr as they came. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

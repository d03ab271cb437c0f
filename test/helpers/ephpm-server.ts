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

export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  stateFile: string;
  output(): string;
  /** Resolves with the first match of `pattern` in the output from `from` on (waits for it to appear). */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends the signal and resolves with the exit code once the server is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  stateFile?: string;
  /** Flags for node itself (the supervisor; workers inherit them). */
  nodeArgs?: string[];
  /** The command that runs the server (default: serve). */
  command?: 'serve' | 'dev';
}

/** Runs the real CLI (`ephpm serve --port 0 ...`, or `dev`) and waits for its "serving" line. */
export function startServer(args: string[], options: StartOptions = {}): Promise<RunningServer> {
  const stateFile = options.stateFile ?? join(tempDir(), 'server.json');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cliPath, options.command ?? 'serve', '--port', '0', '--state-file', stateFile, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
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
        reject(new Error(`server exited before printing ${pattern}:\n${output}`));
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
      // Listeners added after the collecting ones below: `output` already holds the new data.
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', onExit);
      check();
      if (child.exitCode !== null || child.signalCode !== null) onExit();
    });
  const server = (url: string, port: number): RunningServer => ({
    url,
    port,
    child,
    stateFile,
    output: () => output,
    waitFor,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within 20s:\n${output}`));
    }, 20_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /serving (https?:\/\/[^:\s]+:(\d+))/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(server(match[1]!, Number(match[2])));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving:\n${output}`));
    });
  });
}

/** Runs the CLI to completion (for commands that fail fast); `output` is stdout and stderr as they came. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; output: string; stdout: string }> {
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

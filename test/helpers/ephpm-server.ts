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
  /** Sends the signal and resolves with the exit code once the server is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  stateFile?: string;
  /** Flags for node itself (the supervisor; workers inherit them). */
  nodeArgs?: string[];
}

/** Runs the real CLI (`ephpm serve --port 0 ...`) and waits for its "serving" line. */
export function startServer(args: string[], options: StartOptions = {}): Promise<RunningServer> {
  const stateFile = options.stateFile ?? join(tempDir(), 'server.json');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), cliPath, 'serve', '--port', '0', '--state-file', stateFile, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server = (url: string, port: number): RunningServer => ({
    url,
    port,
    child,
    stateFile,
    output: () => output,
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

/** Runs the CLI to completion (for commands that fail fast). */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function getJson<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_KEPT_OUTPUT = 1024 * 1024;
const live = new Set();
const shortLived = new Set();

/**
 * A long-running child in its own process group, so that whatever it forks
 * can be killed with it. Output is copied to logFile and kept in memory.
 */
export function launch(name, command, args, { logFile, cwd, env } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: env ? { ...process.env, ...env } : undefined,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logFile ? createWriteStream(logFile) : null;
  const proc = { name, child, output: '', exit: null, exited: null };
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      live.delete(proc);
      resolve(proc.exit);
    });
    child.on('error', (error) => {
      proc.output += `\n[${name}] failed to start: ${error.message}\n`;
      proc.exit = { code: null, signal: null, error };
      live.delete(proc);
      resolve(proc.exit);
    });
  });
  const collect = (chunk) => {
    log?.write(chunk);
    if (proc.output.length < MAX_KEPT_OUTPUT) proc.output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  child.on('close', () => log?.end());
  live.add(proc);
  return proc;
}

/** Resolves once the child printed a line matching pattern; rejects on exit or timeout. */
export async function waitForOutput(proc, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(proc.output)) return;
    if (proc.exit)
      throw new Error(`${proc.name} exited (${describeExit(proc.exit)}) before it was ready:\n${tail(proc.output)}`);
    await sleep(50);
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs / 1000}s:\n${tail(proc.output)}`);
}

/** Signal the main process, wait for the group to go, SIGKILL it if it lingers. */
export async function stop(proc, signal = 'SIGTERM', timeoutMs = 10_000) {
  if (!proc.exit) {
    try {
      process.kill(proc.child.pid, signal);
    } catch {}
    const outcome = await Promise.race([proc.exited, sleep(timeoutMs, 'timeout', { ref: false })]);
    if (outcome === 'timeout') {
      proc.killedAfterTimeout = true;
      proc.lingering = await groupMembers(proc.child.pid);
    }
  }
  killGroup(proc);
  return { ...proc.exit, killedAfterTimeout: Boolean(proc.killedAfterTimeout), lingering: proc.lingering };
}

async function groupMembers(pgid) {
  const { stdout = '' } = await run('ps', ['-eo', 'pgid=,pid=,stat=,etime=,args='], { timeoutMs: 5000 }).catch(
    () => ({}),
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[0] === String(pgid))
    .join('\n');
}

function killGroup(proc) {
  try {
    process.kill(-proc.child.pid, 'SIGKILL');
  } catch {}
}

/** Last resort for exit paths that cannot wait (uncaught errors, process.exit). */
export function killAll() {
  for (const proc of live) killGroup(proc);
  live.clear();
  for (const child of shortLived) child.kill('SIGKILL');
  shortLived.clear();
}

/** A run-to-completion child with a hard time limit. */
export function run(command, args, { timeoutMs, cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ? { ...process.env, ...env } : undefined,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    shortLived.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${command} did not finish within ${timeoutMs / 1000}s`));
        }, timeoutMs)
      : null;
    child.on('error', (error) => {
      shortLived.delete(child);
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      shortLived.delete(child);
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls url until it answers 200; returns the response so callers can check it. */
export async function waitForHttp(url, timeoutMs, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline && isAlive()) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      const body = await response.text();
      if (response.status === 200)
        return { status: response.status, headers: Object.fromEntries(response.headers), body };
      lastError = new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s: ${lastError?.message ?? 'process exited'}`);
}

export function describeExit({ code, signal, error }) {
  if (error) return error.message;
  return signal ? `signal ${signal}` : `code ${code}`;
}

export function tail(text, lines = 20) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a benchmark's `main(scratch)` in a fresh scratch directory, its children killed on exit and on Ctrl-C; the
 * directory (with the servers' logs) is removed after a success and kept, and named, after a failure.
 */
export async function runBench(name, prefix, main) {
  const scratch = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  try {
    await main(scratch);
    rmSync(scratch, { recursive: true, force: true });
  } catch (error) {
    console.error(`\n${name} failed: ${error.message}\n(logs kept in ${scratch})`);
    killAll();
    process.exit(1);
  }
}

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';

/** A thread's scheduling policy: field 41 of /proc/<pid>/task/<tid>/stat (proc(5)). */
function schedulingPolicy(pid: number, tid: string): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
}

function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (data) => (answer += data.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy());
  });
}

describe('server lifecycle', () => {
  it('writes a state file with pids, host and port, and removes it on a graceful stop', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    const state = JSON.parse(readFileSync(server.stateFile, 'utf8'));
    expect(state).toMatchObject({ pid: server.child.pid, host: '127.0.0.1', port: server.port, scheme: 'http' });
    expect(state.workers).toHaveLength(2);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(existsSync(server.stateFile)).toBe(false);
  });

  it("runs each worker's Node main thread under SCHED_BATCH, so it does not preempt PHP on wake-up; PHP's thread keeps the default", async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const { workers } = JSON.parse(readFileSync(server.stateFile, 'utf8')) as { workers: Array<{ pid: number }> };
      expect(workers).toHaveLength(2);
      const SCHED_OTHER = 0;
      const SCHED_BATCH = 3;
      for (const { pid } of workers) {
        const policies = new Map(
          readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), schedulingPolicy(pid, tid)]),
        );
        expect(policies.get(pid)).toBe(SCHED_BATCH);
        policies.delete(pid);
        expect(new Set(policies.values())).toEqual(new Set([SCHED_OTHER]));
      }
    } finally {
      await server.stop();
    }
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    const inFlight = fetch(`${server.url}/sleep?ms=1500`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the request reach PHP
    const exit = server.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ slept: 1500 });
    expect(await exit).toBe(0);
    expect(server.output()).toMatch(/stopping: finishing requests in flight/);
  });

  it('logs one JSON object per line with --log-format json', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--log-format', 'json']);
    await fetch(`${server.url}/pid?x=1`);
    await fetch(`${server.url}/fatal`);
    await server.stop();
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'request', method: 'GET', url: '/pid?x=1', statusCode: 200 }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ type: 'request', url: '/fatal', statusCode: 500 }));
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'php-log', message: expect.stringMatching(/undefined_function_for_test/) }),
    );
  });

  it('answers a malformed request with 400 and keeps serving', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const answer = await rawRequest(server.port, 'THIS IS NOT HTTP\r\n\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start a second server on the same state file while the first runs', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const second = await runCli(['serve', '--worker', appWorker, '--port', '0', '--state-file', server.stateFile]);
      expect(second.code).toBe(1);
      expect(second.output).toMatch(new RegExp(`already running for this app on 127.0.0.1:${server.port}`));
    } finally {
      await server.stop();
    }
  });

  it('ignores a stale state file left by a server that is gone', async () => {
    const stateFile = join(tempDir(), 'server.json');
    writeFileSync(stateFile, JSON.stringify({ pid: 999999, host: '127.0.0.1', port: 1, workers: [] }));
    const result = await startServer(['--worker', appWorker, '--workers', '1'], { stateFile });
    try {
      expect((await fetch(`${result.url}/pid`)).status).toBe(200);
    } finally {
      await result.stop();
    }
  });
});

describe('start-up errors say what to do', () => {
  it('without a worker script', async () => {
    const result = await runCli(['serve', '--port', '0', '--root', tempDir()]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/No worker script to run/);
    expect(result.output).toMatch(/try: Pass --worker <script\.php>/);
  });

  it('with a worker script that does not exist', async () => {
    const result = await runCli(['serve', '--port', '0', '--worker', 'nope.php']);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/The worker script .*nope\.php does not exist/);
  });

  it('with a worker script that has a syntax error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.php'), '<?php\nwhile ($r = \\Ephpm\\Octane\\take_request() {\n');
    const result = await runCli([
      'serve',
      '--port',
      '0',
      '--workers',
      '1',
      '--worker',
      join(dir, 'broken.php'),
      '--state-file',
      join(dir, 's.json'),
    ]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/failed before taking its first request/);
    expect(result.output).toMatch(/PHP Parse error: +Unclosed '\{' on line 2 in .*broken\.php/);
  });

  it('when the libphp embed library is missing', async () => {
    // A copy of the addon whose libphp dependency names a library that is not installed.
    const dir = tempDir();
    const original = readFileSync(join(process.cwd(), 'native', 'build', 'ephpm.node'));
    const patched = Buffer.from(original.toString('latin1').replace('libphp.so\0', 'libphp.s0\0'), 'latin1');
    expect(patched.equals(original)).toBe(false);
    writeFileSync(join(dir, 'ephpm.node'), patched);
    const result = await runCli(
      ['serve', '--port', '0', '--workers', '1', '--worker', appWorker, '--state-file', join(dir, 's.json')],
      {
        env: { EPHPM_ADDON: join(dir, 'ephpm.node') },
      },
    );
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/PHP's embed library libphp\.s0 is not installed/);
    expect(result.output).toMatch(/sudo apt-get install -y libphp8\.2-embed/);
  });
});

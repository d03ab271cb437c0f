import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorker, getJson, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { waitFor } from '../helpers/wait-for.js';

const workerPids = (server: RunningServer): number[] =>
  (JSON.parse(readFileSync(server.stateFile, 'utf8')) as { workers: Array<{ pid: number }> }).workers.map((w) => w.pid);

describe('PHP failures answer 500 and the same process keeps serving', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(['--worker', appWorker, '--workers', '1']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const [route, log] of [
    ['/fatal', /Call to undefined function undefined_function_for_test/],
    ['/exception', /Uncaught RuntimeException: thrown on purpose/],
    ['/exit', null],
    ['/oom', /Allowed memory size of \d+ bytes exhausted/],
  ] as const) {
    it(`${route}: 500 for that request, then the next request succeeds in the same process`, async () => {
      const before = await getJson<{ pid: number }>(`${server.url}/pid`);
      const failed = await fetch(`${server.url}${route}`);
      expect(failed.status).toBe(500);
      expect(await failed.text()).toMatch(/PHP worker stopped while handling this request/);
      const after = await getJson<{ pid: number; served: number }>(`${server.url}/pid`);
      expect(after.pid).toBe(before.pid);
      expect(after.served).toBe(1); // the worker script was restarted
      // The log line travels worker → supervisor → stdout, and may come after the answer on a busy machine.
      if (log) await server.waitFor(log, 0, 10_000);
    });
  }

  it('keeps a set_time_limit() timer from firing on later requests (ITIMER_PROF counts Node CPU time too)', async () => {
    const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
    await getJson(`${server.url}/set-time-limit`);
    // Burn well over a second of process CPU time (Node's included) after the limit was set.
    const statuses = new Set<number>();
    const started = Date.now();
    while (Date.now() - started < 3000) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () =>
          fetch(`${server.url}/pid`).then(async (r) => (await r.arrayBuffer(), r.status)),
        ),
      );
      batch.forEach((status) => statuses.add(status));
    }
    expect([...statuses]).toEqual([200]);
    expect(server.output()).not.toMatch(/Maximum execution time/);
    expect((await getJson<{ pid: number }>(`${server.url}/pid`)).pid).toBe(pid);
  });
});

describe('set_time_limit()', () => {
  it("ends a request that runs past it with PHP's fatal error and a 500; the process lives on", async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const started = Date.now();
      const response = await fetch(`${server.url}/over-time-limit`);
      expect(response.status).toBe(500);
      expect(Date.now() - started).toBeLessThan(3500); // the route would run 4 s
      await server.waitFor(/Maximum execution time of 1 second exceeded/);
      expect((await getJson<{ pid: number }>(`${server.url}/pid`)).pid).toBe(pid);
      expect(server.output()).not.toMatch(/exited unexpectedly/);
    } finally {
      await server.stop();
    }
  });
});

describe('profiling', () => {
  it('serves under node --cpu-prof (V8 samples with SIGPROF, which PHP also claims)', async () => {
    const profiles = tempDir();
    const server = await startServer(['--worker', appWorker, '--workers', '1'], {
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`],
    });
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) statuses.add((await fetch(`${server.url}/pid`)).status);
    expect(await server.stop()).toBe(0);
    expect([...statuses]).toEqual([200]);
    expect(server.output()).not.toMatch(/Maximum execution time/);
    expect(readdirSync(profiles).filter((f) => f.endsWith('.cpuprofile')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('worker processes that die or hang are replaced', () => {
  it('respawns a worker killed with SIGKILL and keeps serving', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const [victim] = workerPids(server);
      process.kill(victim!, 'SIGKILL');
      const replaced = await waitFor(() => {
        const pids = workerPids(server);
        return pids.length === 2 && !pids.includes(victim!) ? pids : undefined;
      }, 'a replacement worker');
      expect(replaced).toHaveLength(2);
      await server.waitFor(new RegExp(`worker ${victim} exited unexpectedly \\(SIGKILL\\)`));
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${server.url}/pid`).then((r) => r.status)),
      );
      expect(answers.every((status) => status === 200)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('a segfault in PHP (native recursion past the 64 MB stack) kills only that worker, which is replaced', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const before = workerPids(server);
      // Its request gets the supervisor's 502, as nginx answers for a php-fpm child that died.
      expect((await fetch(`${server.url}/deep?depth=1000000`)).status).toBe(502);
      const after = await waitFor(() => {
        const pids = workerPids(server);
        return pids.length === 2 && pids.some((pid) => !before.includes(pid)) ? pids : undefined;
      }, 'a replacement for the crashed worker');
      expect(after.filter((pid) => before.includes(pid))).toHaveLength(1); // the other worker lived on
      await server.waitFor(/exited unexpectedly \(SIGSEGV\)/);
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('a worker sent SIGTERM exits (PHP does not make Node unkillable) and is replaced', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const [pid] = workerPids(server);
      process.kill(pid!, 'SIGTERM');
      await waitFor(
        () => (workerPids(server)[0] !== pid && workerPids(server).length === 1 ? true : undefined),
        'the replacement',
      );
      expect((await fetch(`${server.url}/pid`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('answers 504 when PHP hangs past the request timeout, then replaces the stuck process', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--request-timeout', '1']);
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const stuck = await fetch(`${server.url}/sleep?ms=20000`);
      expect(stuck.status).toBe(504);
      expect(await stuck.text()).toMatch(/PHP did not answer within 1s/);
      const next = await waitFor(async () => {
        const response = await fetch(`${server.url}/pid`);
        return response.status === 200 ? ((await response.json()) as { pid: number }) : undefined;
      }, 'a fresh worker');
      expect(next.pid).not.toBe(pid);
      await server.waitFor(/replacing this worker process/);
    } finally {
      await server.stop();
    }
  });
});

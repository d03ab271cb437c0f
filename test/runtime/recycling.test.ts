import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, getJson, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';
import { processGone, waitFor } from '../helpers/wait-for.js';

const hardeningWorker = fixture('workers', 'hardening.php');
const tasksWorker = fixture('workers', 'tasks.php');

describe('a worker that grows past --max-memory', () => {
  it('is replaced after its current request, with no request failed, and status says why', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1', '--max-memory', '250M']);
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      // The app leaks 40 MB per request, while other requests keep coming.
      const statuses = new Set<number>();
      let replacement = pid;
      for (let i = 0; i < 200 && replacement === pid; i++) {
        const answers = await Promise.all([
          fetch(`${server.url}/keep?mb=40`).then(async (r) => ({
            status: r.status,
            pid: r.ok ? ((await r.json()) as { pid: number }).pid : 0,
          })),
          ...Array.from({ length: 3 }, () =>
            fetch(`${server.url}/pid`).then(async (r) => ({
              status: r.status,
              pid: r.ok ? ((await r.json()) as { pid: number }).pid : 0,
            })),
          ),
        ]);
        for (const answer of answers) {
          statuses.add(answer.status);
          if (answer.pid !== pid) replacement = answer.pid;
        }
      }
      expect([...statuses]).toEqual([200]);
      expect(replacement).not.toBe(pid);
      await waitFor(() => processGone(pid), 'the old worker to leave');
      await server.waitFor(
        new RegExp(`worker ${pid} is being replaced: its RSS, [\\d.]+ [MG]B, passed max_memory \\(250\\.0 MB\\)`),
      );
      expect((await serverStatus(server)).workers[0]).toMatchObject({
        pid: replacement,
        restarts: 1,
        lastRestart: 'memory',
      });
    } finally {
      await server.stop();
    }
  });
});

describe('--max-requests', () => {
  it('is close to exact: the replacement is ready in time, and the old worker stops at its limit', async () => {
    const limit = 600;
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1', '--max-requests', String(limit)]);
    try {
      const served = new Map<number, number>();
      const statuses = new Set<number>();
      // 4 clients at a time, 5 ms each: a worker lives a few seconds, longer than a boot. A replacement
      // serves beside the worker it replaces for a moment: by the time a fourth process answers, the first two are gone.
      while (served.size < 4) {
        const answers = await Promise.all(
          Array.from({ length: 4 }, () =>
            fetch(`${server.url}/sleep?ms=5`).then(async (r) => {
              statuses.add(r.status);
              return r.ok ? ((await r.json()) as { pid: number }).pid : 0;
            }),
          ),
        );
        for (const pid of answers) served.set(pid, (served.get(pid) ?? 0) + 1);
      }
      expect([...statuses]).toEqual([200]);
      const retired = [...served.values()].slice(0, 2);
      for (const pid of [...served.keys()].slice(0, 2))
        await waitFor(() => processGone(pid), `worker ${pid} to have left`);
      // The limit, plus what was already accepted when it was reached (4 in flight, 4 more on kept-alive connections).
      for (const count of retired) {
        expect(count).toBeGreaterThanOrEqual(limit);
        expect(count).toBeLessThanOrEqual(limit + 8);
      }
    } finally {
      await server.stop();
    }
  });
});

describe('a reload while workers recycle', () => {
  it('leaves one serving worker per slot, and fails no request', async () => {
    const server = await startServer(['--worker', hardeningWorker, '--workers', '2', '--max-requests', '300']);
    let running = true;
    const failures: string[] = [];
    const load = Promise.all(
      Array.from({ length: 3 }, async () => {
        while (running) {
          const response = await fetch(`${server.url}/pid`).catch((error: Error) => error);
          if (response instanceof Error) failures.push(response.message);
          else if ((await response.text(), response.status) !== 200) failures.push(String(response.status));
        }
      }),
    );
    try {
      for (let i = 0; i < 3; i++) {
        const reload = await runCli(['reload', '--state-file', server.stateFile]);
        expect(reload.code, reload.output).toBe(0);
      }
      running = false;
      await load;
      // Once the traffic stops, every hand-over completes: one process per slot, none left over.
      const settled = await waitFor(async () => {
        const { workers } = await serverStatus(server);
        return workers.length === 2 && workers.every((w) => w.state === 'serving') && workers;
      }, 'one serving worker per slot');
      expect(settled.map((w) => w.index).sort()).toEqual([1, 2]);
    } finally {
      running = false;
      await load;
      await server.stop();
    }
    expect(failures).toEqual([]);
  });
});

describe('when the supervisor is killed', () => {
  it('task and tick workers exit at once, even with a task still running in PHP, like the request workers', async () => {
    const server = await startServer(['--worker', tasksWorker, '--workers', '1', '--task-workers', '1', '--tick']);
    const pidFile = join(tempDir(), 'task.pid');
    const dispatched = await getJson(`${server.url}/dispatch`, {
      method: 'POST',
      body: JSON.stringify({ tasks: [{ op: 'hang', pid_file: pidFile }] }),
    });
    expect(dispatched).toEqual({ dispatched: 1 });
    await waitFor(() => existsSync(pidFile), 'the task to start');
    const state = JSON.parse(readFileSync(server.stateFile, 'utf8')) as {
      workers: Array<{ pid: number }>;
      taskWorkers: Array<{ pid: number }>;
    };
    const children = [...state.workers, ...state.taskWorkers].map((worker) => worker.pid);
    expect(children).toHaveLength(3);
    await server.stop('SIGKILL');
    // The task sleeps for 60 s; its worker must not wait for it, nor die of the closed channel.
    for (const pid of children) await waitFor(() => processGone(pid), `worker ${pid} to exit`);
    expect(server.output()).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|Unhandled 'error' event/);
  });
});

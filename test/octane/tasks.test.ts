import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli } from '../helpers/ephpm-server.js';
import { fetchJson } from '../helpers/http-client.js';
import { laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { octaneForTests, startOctane } from '../helpers/octane-server.js';
import { tableCall } from '../helpers/octane-primitives.js';
import { waitFor } from '../helpers/wait-for.js';

// Octane::concurrently() in a Laravel app started with `php artisan octane:start --server=ephpm`: closures
// serialized as Octane serializes them, run by Octane's Worker::handleTask() in ephpm's task workers (the same app,
// booted once in each), over real HTTP. Routes: test/fixtures/laravel/app/Http/Controllers/TaskController.php.

const skip = octaneUnavailableReason();

interface Span {
  pid: number;
  start: number;
  end: number;
}
interface TaskWorker {
  role: string;
  pid: number;
  state: string;
}

async function taskWorkers(app: string): Promise<TaskWorker[]> {
  const { stdout } = await runCli(['status', '--json', '--root', app]);
  return (JSON.parse(stdout) as { taskWorkers: TaskWorker[] }).taskWorkers.filter((worker) => worker.role === 'task');
}

describe.skipIf(skip)(
  `${onLaravel("Octane::concurrently() on ephpm's task workers")}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    const octane = octaneForTests(['--workers=1', '--task-workers=3', '--max-requests=0'], {}, (app) =>
      rmSync(join(app, 'storage', 'task-events.log'), { force: true }),
    );

    it('runs three 300 ms closures at the same time, one per task worker, and keeps their keys in order', async () => {
      const response = await fetch(`${octane.server.url}/tasks/overlap`);
      const text = await response.text();
      const { pid, results } = JSON.parse(text) as { pid: number; results: Record<string, Span> };
      const spans = Object.values(results);
      expect(Object.keys(results).sort()).toEqual(['7', 'first', 'second']);
      // The keys in the order given (a JSON object's text keeps PHP's order; JavaScript would sort "7" first).
      expect(text.indexOf('"first"')).toBeLessThan(text.indexOf('"second"'));
      expect(text.indexOf('"second"')).toBeLessThan(text.indexOf('"7"'));
      expect(new Set(spans.map((span) => span.pid)).size).toBe(3);
      expect(spans.map((span) => span.pid)).not.toContain(pid);
      expect((await taskWorkers(octane.app)).map((worker) => worker.pid).sort()).toEqual(
        spans.map((span) => span.pid).sort(),
      );
      // Every closure started before any of them ended: they overlapped (the timestamps are the tasks' own).
      expect(Math.max(...spans.map((span) => span.start))).toBeLessThan(Math.min(...spans.map((span) => span.end)));
    });

    it('runs each task through Worker::handleTask() of the app booted in the task worker: TaskReceived and TaskTerminated fire, the container is fresh for every task, the shared tables are there', async () => {
      await tableCall(octane.server.url, 'users', 'set', ['task-reader', { name: 'seen by tasks' }]);
      const runs: Array<{ pid: number; seen: boolean; users: number }> = [];
      for (let call = 0; call < 4; call++) {
        const results = await fetchJson<Record<string, { pid: number; seen: boolean; users: number }>>(
          `${octane.server.url}/tasks/sandbox`,
        );
        runs.push(...Object.values(results));
      }
      // Every task worker ran several of them: a container instance left by one would have been seen by the next.
      expect(runs.length - new Set(runs.map((run) => run.pid)).size).toBeGreaterThan(0);
      expect(runs.map((run) => run.seen)).toEqual(runs.map(() => false));
      expect(runs.map((run) => run.users)).toEqual(runs.map(() => 1));
      const events = readFileSync(join(octane.app, 'storage', 'task-events.log'), 'utf8')
        .trim()
        .split('\n');
      for (const pid of new Set(runs.map((run) => run.pid))) {
        const own = events.filter((line) => line.startsWith(`${pid} `)).map((line) => line.split(' ')[1]);
        expect(own.length).toBeGreaterThan(0);
        expect(own).toEqual(own.map((_, i) => (i % 2 === 0 ? 'TaskReceived' : 'TaskTerminated')));
      }
      await tableCall(octane.server.url, 'users', 'del', ['task-reader']);
    });

    it("surfaces an exception thrown in a task as Octane's TaskException with the original class, message and code", async () => {
      expect(await fetchJson(`${octane.server.url}/tasks/fails`)).toEqual({
        class: 'Laravel\\Octane\\Exceptions\\TaskException',
        originalClass: 'InvalidArgumentException',
        message: 'no such report',
        code: 7,
      });
    });

    it("surfaces a task that outlives the wait as Octane's TaskTimeoutException", async () => {
      expect(await fetchJson(`${octane.server.url}/tasks/timeout`)).toEqual({
        class: 'Laravel\\Octane\\Exceptions\\TaskTimeoutException',
        message: 'Task timed out after 200 milliseconds.',
      });
    });

    it('fails only the task of a task worker that is SIGKILLed under it; the worker is replaced and the next call works', async () => {
      await tableCall(octane.server.url, 'markers', 'del', ['hanging']);
      const hung = fetchJson<{ class: string; originalClass: string; message: string }>(
        `${octane.server.url}/tasks/hang`,
      );
      // Read from the shared memory by the CLI: the one request worker is busy waiting for the task.
      const marker = async () => {
        const { stdout } = await runCli(['table:dump', 'markers', '--key', 'hanging', '--json', '--root', octane.app]);
        return (JSON.parse(stdout) as { rows?: Array<{ values: { value: number } }> }).rows?.[0]?.values.value ?? null;
      };
      const victim = await waitFor(marker, 'the task to start');
      const before = (await taskWorkers(octane.app)).map((worker) => worker.pid);
      expect(before).toContain(victim);
      process.kill(victim, 'SIGKILL');

      const failure = await hung;
      expect(failure).toMatchObject({
        class: 'Laravel\\Octane\\Exceptions\\TaskException',
        originalClass: 'Ephpm\\Octane\\TaskWorkerDied',
      });
      expect(failure.message).toMatch(
        /^The task worker running this task exited before it finished \(killed, crashed or out of memory;/,
      );

      const replaced = await waitFor(
        async () => {
          const workers = await taskWorkers(octane.app);
          return (
            workers.length === 3 &&
            workers.every((worker) => worker.state === 'running' && worker.pid !== victim) &&
            workers
          );
        },
        'a replacement task worker',
        60_000,
      );
      const replacement = replaced.find((worker) => !before.includes(worker.pid))!;
      const { results } = await fetchJson<{ results: Record<string, Span> }>(`${octane.server.url}/tasks/overlap`);
      const ranOn = Object.values(results).map((span) => span.pid);
      // Not necessarily one per worker: the 1.5 s task left by the timeout test may still occupy one of them.
      expect(ranOn).toContain(replacement.pid);
      expect(ranOn.filter((pid) => !replaced.some((worker) => worker.pid === pid))).toEqual([]);
    });
  },
);

describe.skipIf(skip)(
  `${onLaravel('Octane::concurrently() on a server without task workers')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    it('runs the closures one after another in the request worker, as Octane does without Swoole, and says once how to start task workers', async () => {
      const server = await startOctane(laravelApp(), ['--workers=1', '--task-workers=0']);
      try {
        for (let call = 0; call < 2; call++) {
          const { pid, results } = await fetchJson<{ pid: number; results: { task: number; sum: number } }>(
            `${server.url}/concurrently`,
          );
          expect(results).toEqual({ task: pid, sum: 4 });
        }
        await server.waitFor(/Octane::concurrently\(\) ran its tasks one after another/);
        expect(server.output().match(/Octane::concurrently\(\) ran its tasks one after another/g)).toHaveLength(1);
        expect(server.output()).toMatch(
          /Start some to run them in parallel: php artisan octane:start --task-workers=N/,
        );
      } finally {
        expect(await server.stop('SIGINT')).toBe(0);
      }
    });
  },
);

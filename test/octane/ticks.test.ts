import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { fetchJson } from '../helpers/http-client.js';
import { laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { artisan, octaneForTests } from '../helpers/octane-server.js';
import { cacheOp } from '../helpers/octane-primitives.js';
import { waitFor } from '../helpers/wait-for.js';

// Octane::tick() and interval values in a Laravel app: the ticks test/fixtures/laravel's
// OctanePrimitivesServiceProvider registers (EPHPM_TEST_TICK, EPHPM_TEST_SLOW_TICK, EPHPM_TEST_INTERVAL) run in
// ephpm's tick worker through Octane's Worker::handleTick(), never in a request worker. Over real HTTP.

const skip = octaneUnavailableReason();

interface TickState {
  pid: number;
  count: number;
  tickPid: number | null;
  slowRunning: number;
  slowPid: number;
}
interface TaskWorker {
  role: string;
  pid: number;
  missedTicks: number;
}

async function tickWorker(args: string[]): Promise<TaskWorker | undefined> {
  const { stdout } = await runCli(['status', '--json', ...args]);
  return (JSON.parse(stdout) as { taskWorkers: TaskWorker[] }).taskWorkers.find((worker) => worker.role === 'tick');
}

describe.skipIf(skip)(
  `${onLaravel('Octane::tick() from a service provider, with ephpm serve in the app')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let app: string;
    let server: RunningServer;
    const state = () => fetchJson<TickState>(`${server.url}/ticks/state`);

    beforeAll(async () => {
      app = laravelApp();
      rmSync(join(app, 'storage', 'task-events.log'), { force: true });
      // No --tick: ephpm serve asks the app (php artisan ephpm:octane-settings), which registered a tick.
      server = await startServer(['--root', app, '--workers', '1', '--task-workers', '0'], {
        env: { EPHPM_TEST_TICK: '1', EPHPM_TEST_INTERVAL: '1' },
      });
    }, 600_000);

    afterAll(async () => {
      expect(await server?.stop()).toBe(0);
    });

    it('runs it on the tick worker through Worker::handleTick(), writing a shared table on every tick', async () => {
      const ticked = await waitFor(async () => {
        const now = await state();
        return now.count >= 3 && now;
      }, 'three ticks');
      const worker = await tickWorker(['--state-file', server.stateFile]);
      expect(ticked.tickPid).toBe(worker!.pid);
      expect(ticked.tickPid).not.toBe(ticked.pid);
      const events = readFileSync(join(app, 'storage', 'task-events.log'), 'utf8')
        .trim()
        .split('\n');
      const own = events.filter((line) => line.startsWith(`${worker!.pid} `)).map((line) => line.split(' ')[1]);
      expect(own.slice(0, 4)).toEqual(['TickReceived', 'TickTerminated', 'TickReceived', 'TickTerminated']);
    });

    it("refreshes an interval value of Cache::store('octane') on ticks, in the tick worker", async () => {
      const tickPid = (await tickWorker(['--state-file', server.stateFile]))!.pid;
      const clock = async () => (await cacheOp<{ pid: number; at: number }>(server.url, 'get', ['clock'])).result!;
      const first = await waitFor(async () => {
        const value = await clock();
        return value.pid === tickPid && value;
      }, 'the interval resolved by the tick worker');
      const next = await waitFor(async () => {
        const value = await clock();
        return value.at > first.at && value;
      }, 'the interval resolved again');
      expect(next.pid).toBe(tickPid);
    });
  },
);

describe.skipIf(skip)(
  `${onLaravel('a slow Octane::tick() under octane:start')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    const octane = octaneForTests(['--workers=1', '--task-workers=0'], { EPHPM_TEST_SLOW_TICK: '1' });

    it('delays no request: the one request worker answers while the 3 s tick is known to be running', async () => {
      const answeredDuringOneRun: TickState[] = [];
      await waitFor(
        async () => {
          const now = await fetchJson<TickState>(`${octane.server.url}/ticks/state`);
          if (now.slowRunning === 0) return false;
          if (answeredDuringOneRun.length > 0 && answeredDuringOneRun[0]!.slowRunning !== now.slowRunning)
            answeredDuringOneRun.length = 0;
          answeredDuringOneRun.push(now);
          return answeredDuringOneRun.length >= 5;
        },
        'five answers during one run of the slow tick',
        30_000,
      );
      // Were the tick run by the request worker, it could not answer until the tick had marked itself done.
      const tickPid = (await tickWorker(['--root', octane.app]))!.pid;
      expect(new Set(answeredDuringOneRun.map((answer) => answer.slowPid))).toEqual(new Set([tickPid]));
      expect(answeredDuringOneRun.map((answer) => answer.pid)).not.toContain(tickPid);
    });

    it('skips the ticks that came while it ran and counts them: ephpm status, octane:status and the log say so', async () => {
      const worker = await waitFor(
        async () => {
          const tick = await tickWorker(['--root', octane.app]);
          return tick && tick.missedTicks > 0 && tick;
        },
        'a missed tick',
        30_000,
      );
      const status = await artisan(octane.app, ['octane:status']);
      expect(status.output).toMatch(new RegExp(`tick worker \\(pid ${worker.pid}\\) · \\d+ ticks · [1-9]\\d* missed`));
      await octane.server.waitFor(/tick\(s\) skipped while an Octane::tick\(\) callback ran for longer than a second/);
    });
  },
);

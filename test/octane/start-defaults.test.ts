import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli, type ObservedProcess } from '../helpers/ephpm-server.js';
import { fetchJson } from '../helpers/http-client.js';
import { appCopy, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { artisan, freePort, spawnArtisan } from '../helpers/octane-server.js';
import { waitFor } from '../helpers/wait-for.js';

// `php artisan octane:start` as users type it: no flags, the port from .env (OCTANE_PORT, as Octane reads it) and
// the server from OCTANE_SERVER=ephpm, which octane:install wrote. Octane 2.13's start command passes no default
// for --workers, --task-workers and --max-requests: they come from config/octane.php, else as Swoole picks them.

const skip = octaneUnavailableReason();

/** A copy of the suite's app whose .env names a free port; `octaneConfig` lines go into config/octane.php's array. */
async function appOnFreePort(
  octaneConfig: Record<string, number | boolean> = {},
): Promise<{ app: string; url: string }> {
  const app = appCopy(laravelApp(), { withRuntime: true });
  const port = await freePort();
  writeFileSync(join(app, '.env'), `${readFileSync(join(app, '.env'), 'utf8')}\nOCTANE_PORT=${port}\n`);
  const configFile = join(app, 'config', 'octane.php');
  const settings = Object.entries(octaneConfig)
    .map(([key, value]) => `    '${key}' => ${value},\n`)
    .join('');
  writeFileSync(configFile, readFileSync(configFile, 'utf8').replace(/return \[\n/, `return [\n${settings}`));
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Runs `php artisan octane:start ...args` in the app until `use` is done, then Ctrl-C (must exit 0). */
async function whileServing(
  app: string,
  args: string[],
  use: (status: () => Promise<ServerStatus>, server: ObservedProcess) => Promise<void>,
): Promise<void> {
  const server = spawnArtisan(app, ['octane:start', ...args]);
  try {
    await server.waitFor(/Local: http:\/\/127\.0\.0\.1:\d+/, 0, 60_000);
    const status = async () => JSON.parse((await runCli(['status', '--json', '--root', app])).stdout) as ServerStatus;
    await waitFor(
      async () => (await status()).workers.every((worker) => worker.state === 'serving'),
      'every worker serving',
      30_000,
    );
    await use(status, server);
  } finally {
    expect(await server.stop('SIGINT')).toBe(0);
  }
}

const taskPids = (status: ServerStatus) =>
  status.taskWorkers.filter((worker) => worker.role === 'task').map((worker) => worker.pid);

describe.skipIf(skip)(
  `${onLaravel('php artisan octane:start with no flags, on Octane 2.13')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    it('serves with one worker and one task worker per CPU, as Octane starts Swoole, and runs Octane::concurrently() on the task workers', async () => {
      const { app, url } = await appOnFreePort();
      await whileServing(app, [], async (status, server) => {
        const now = await status();
        expect(now.workers).toHaveLength(availableParallelism());
        expect(taskPids(now)).toHaveLength(availableParallelism());
        expect((await fetch(`${url}/`)).status).toBe(200);
        const { pid, results } = await fetchJson<{ pid: number; results: { task: number; sum: number } }>(
          `${url}/concurrently`,
        );
        expect(results.sum).toBe(4);
        expect(taskPids(now)).toContain(results.task);
        expect(results.task).not.toBe(pid);

        // --max-requests defaults to 500, as for Swoole: 1,001 requests replace a worker at its 500th (it answers on
        // until its replacement serves, so no request waits for a boot).
        for (let i = 0; i < 1_001; i++) await (await fetch(`${url}/boots`)).arrayBuffer();
        await server.waitFor(/worker \d+ is being replaced: it is about to serve its 500 requests \(max_requests\)/);
      });
    }, 120_000);

    it('takes octane.workers, octane.task_workers and octane.max_requests from config/octane.php when no flag says otherwise', async () => {
      const { app, url } = await appOnFreePort({ workers: 1, task_workers: 1, max_requests: 3 });
      await whileServing(app, ['--server=ephpm'], async (status, server) => {
        const before = await status();
        expect([before.workers.length, taskPids(before).length]).toEqual([1, 1]);
        // The old process answers until its replacement has booted: ask until another process answers.
        const first = (await fetchJson<{ pid: number }>(`${url}/pid`)).pid;
        await waitFor(
          async () => (await fetchJson<{ pid: number }>(`${url}/pid`)).pid !== first,
          'a replaced worker',
          60_000,
        );
        await server.waitFor(/worker \d+ is being replaced: it is about to serve its 3 requests \(max_requests\)/);
      });
    });

    it('honours --task-workers=0 over config: Octane::concurrently() then runs in the request worker', async () => {
      const { app, url } = await appOnFreePort({ workers: 1, task_workers: 2 });
      await whileServing(app, ['--task-workers=0'], async (status) => {
        expect(taskPids(await status())).toEqual([]);
        const { pid, results } = await fetchJson<{ pid: number; results: { task: number; sum: number } }>(
          `${url}/concurrently`,
        );
        expect(results).toEqual({ task: pid, sum: 4 });
      });
    });

    it('answers requests for public/ files from PHP when octane.serve_static_files is false, as Swoole does', async () => {
      const robots = async (url: string) => (await fetch(`${url}/robots.txt`)).status;
      const served = await appOnFreePort({ workers: 1, task_workers: 0 });
      await whileServing(served.app, [], async () => expect(await robots(served.url)).toBe(200));
      const notServed = await appOnFreePort({ workers: 1, task_workers: 0, serve_static_files: false });
      // No route for /robots.txt in the app: Laravel's 404.
      await whileServing(notServed.app, [], async () => expect(await robots(notServed.url)).toBe(404));
    });

    it('refuses a worker count that is not a whole number of at least 1, from config or from the flag, saying what to pass', async () => {
      const { app } = await appOnFreePort({ workers: 0 });
      const fromConfig = await artisan(app, ['octane:start']);
      expect(fromConfig.code).toBe(1);
      expect(fromConfig.output).toMatch(
        /--workers must be `auto` or a whole number of at least 1; got `0`\. Pass it to octane:start, or set it in config\/octane\.php\./,
      );
      const fromFlag = await artisan(app, ['octane:start', '--workers=two']);
      expect(fromFlag.code).toBe(1);
      expect(fromFlag.output).toMatch(/--workers must be `auto` or a whole number of at least 1; got `two`/);
    });
  },
);

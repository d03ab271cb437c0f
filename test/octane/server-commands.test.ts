import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { runCli } from '../helpers/ephpm-server.js';
import { fetchJson } from '../helpers/http-client.js';
import { laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { artisan, startOctane, type OctaneServer } from '../helpers/octane-server.js';
import { waitFor } from '../helpers/wait-for.js';

// octane:start with its own flags, and octane:status|reload|stop (and their `ephpm status|reload|stop` twins) from
// "another terminal", against real servers of the Laravel app.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(
  `${onLaravel('octane:start|status|reload|stop --server=ephpm')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let app: string;
    let server: OctaneServer | null = null;
    const stateFile = () => join(app, 'storage', 'logs', 'octane-server-state.json');
    const pidsOf = async () => {
      const { output } = await runCli(['status', '--json', '--root', app]);
      const { workers } = JSON.parse(output) as { workers: Array<{ pid: number; state: string }> };
      return workers
        .filter((worker) => worker.state === 'serving')
        .map((worker) => worker.pid)
        .sort();
    };

    beforeAll(() => {
      app = laravelApp();
    }, 600_000);

    afterEach(async () => {
      await server?.stop('SIGTERM');
      server = null;
    });

    it('replaces a worker process after --max-requests without failing a request', async () => {
      server = await startOctane(app, ['--workers=1', '--max-requests=4']);
      // The old process answers until its replacement has booted: keep asking, one request at a time, every one a 200.
      const pids: number[] = [];
      await waitFor(
        async () => {
          pids.push((await fetchJson<{ pid: number }>(`${server!.url}/pid`)).pid);
          return new Set(pids).size >= 3;
        },
        'two replacements',
        120_000,
      );
      const runs = pids.filter((pid, i) => pid !== pids[i - 1]);
      expect(runs).toEqual([...new Set(pids)]);
      expect(
        await server.waitFor(/worker \d+ is being replaced: it is about to serve its 4 requests \(max_requests\)/),
      ).toBeTruthy();
    });

    it('keeps in OPcache the files it boots from and the classes it loads later, even written that very moment', async () => {
      // As right after a deploy and `php artisan optimize`: OPcache neither caches nor optimizes a file younger than
      // opcache.file_update_protection (2 s). A worker reads these once for its life, so it caches them anyway; other
      // includes keep the setting.
      const fresh = [join(app, 'bootstrap', 'app.php'), join(app, 'app', 'Support', 'Lockstep.php')];
      const inAMinute = new Date(Date.now() + 60_000);
      for (const file of fresh) utimesSync(file, inAMinute, inAMinute);
      try {
        server = await startOctane(app, ['--workers=1']);
        expect(await fetchJson(`${server.url}/opcache?file=bootstrap/app.php`)).toEqual({
          cached: true,
          fileUpdateProtection: '2',
        });
        expect(await fetchJson(`${server.url}/opcache?class=${encodeURIComponent('App\\Support\\Lockstep')}`)).toEqual({
          cached: true,
          fileUpdateProtection: '2',
        });
      } finally {
        const now = new Date();
        for (const file of fresh) utimesSync(file, now, now);
      }
    });

    it('runs Octane::concurrently() on the task workers --task-workers starts', async () => {
      server = await startOctane(app, ['--workers=1', '--task-workers=1']);
      const { pid, results } = await fetchJson<{ pid: number; results: { task: number; sum: number } }>(
        `${server.url}/concurrently`,
      );
      expect(results.sum).toBe(4);
      expect(results.task).not.toBe(pid);
      const { output } = await runCli(['status', '--json', '--root', app]);
      expect(JSON.parse(output).taskWorkers.map((worker: { pid: number }) => worker.pid)).toEqual([results.task]);
      expect(await fetchJson(`${server.url}/concurrently/fails`)).toEqual({
        class: 'InvalidArgumentException',
        message: 'no such report',
      });
    });

    it('reports the server, reloads it under a stream of requests without a failure, and stops it, from another terminal', async () => {
      server = await startOctane(app, ['--workers=2']);
      expect(JSON.parse(readFileSync(stateFile(), 'utf8'))).toMatchObject({
        masterProcessId: expect.any(Number),
        state: { host: '127.0.0.1', port: String(server.port) },
      });

      const status = await artisan(app, ['octane:status']);
      expect(status.code).toBe(0);
      expect(status.output).toMatch(/Octane server is running\./);
      expect(status.output).toMatch(new RegExp(`${server.url} · pid \\d+ · 2 workers serving`));

      let running = true;
      let served = 0;
      const failures: string[] = [];
      const load = Promise.all(
        Array.from({ length: 3 }, async () => {
          while (running) {
            try {
              const response = await fetch(`${server!.url}/pid`);
              if (response.status === 200) served++;
              else failures.push(`${response.status} ${await response.text()}`);
              await response.arrayBuffer().catch(() => undefined);
            } catch (error) {
              failures.push(String(error));
            }
          }
        }),
      );
      try {
        const before = await pidsOf();
        const reload = await artisan(app, ['octane:reload']);
        expect(reload.output).toMatch(/Reloading workers/);
        expect(reload.code).toBe(0);
        const reloaded = await pidsOf();
        expect(reloaded.filter((pid) => before.includes(pid))).toEqual([]);

        const twin = await runCli(['reload', '--root', app]);
        expect(twin.output).toMatch(/reloaded 2 worker processes/);
        expect((await pidsOf()).filter((pid) => reloaded.includes(pid))).toEqual([]);
      } finally {
        running = false;
        await load;
      }
      expect(failures).toEqual([]);
      expect(served).toBeGreaterThan(0);

      const stop = await artisan(app, ['octane:stop', '--server=ephpm']);
      expect(stop.output).toMatch(/Stopping server/);
      expect(stop.code).toBe(0);
      expect(await server.stop()).toBe(0);
      server = null;
      expect(existsSync(stateFile())).toBe(false);
      const after = await artisan(app, ['octane:status']);
      expect([after.code, after.output]).toEqual([1, expect.stringMatching(/Octane server is not running\./)]);
    });

    it('is reported and stopped by the ephpm CLI as well', async () => {
      server = await startOctane(app, ['--workers=1']);
      const status = await runCli(['status', '--root', app]);
      expect(status.output).toMatch(new RegExp(`● ${server.url}`));
      const stop = await runCli(['stop', '--root', app]);
      expect(stop.code).toBe(0);
      // octane:start ends by itself once the runtime it started has stopped: no signal from the test races its exit.
      const child = server.child;
      const [code] = child.exitCode !== null ? [child.exitCode] : ((await once(child, 'exit')) as [number | null]);
      expect(code).toBe(0);
      server = null;
      expect(existsSync(stateFile())).toBe(false);
    });

    it('stops on SIGTERM and on Ctrl-C after the requests in flight, exiting 0', async () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        // Ctrl-C in a terminal signals the whole foreground process group: artisan, the runtime and its workers.
        server = await startOctane(app, ['--workers=1'], {}, signal === 'SIGINT');
        const id = `${signal}-${process.pid}-${Date.now()}`;
        const release = join(app, 'storage', `release-${id}`);
        const response = await fetch(`${server.url}/stream/markers/${id}`);
        const reader = response.body!.getReader();
        expect(Buffer.from((await reader.read()).value!).toString()).toBe('first\n');
        if (signal === 'SIGINT') process.kill(-server.child.pid!, signal);
        else server.child.kill(signal);
        await server.waitFor(/stopping: finishing requests in flight/);
        writeFileSync(release, '');
        let rest = '';
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
          rest += Buffer.from(chunk.value).toString();
        expect(rest, signal).toBe('last\n');
        expect(await server.stop(), signal).toBe(0);
        expect(server.output(), signal).toMatch(/INFO\s+stopped/);
        server = null;
      }
    });

    it('reports a state file left by a server that is gone, and does not trust it', async () => {
      writeFileSync(
        stateFile(),
        JSON.stringify({ masterProcessId: 2 ** 22 + 7, state: { host: '127.0.0.1', port: '8000' } }),
      );
      const status = await artisan(app, ['octane:status', '--server=ephpm']);
      expect(status.code).toBe(1);
      expect(status.output).toMatch(/named a server \(pid 4194311\) that is no longer running; it was removed/);
      expect(status.output).toMatch(/Octane server is not running\./);
      expect(existsSync(stateFile())).toBe(false);
    });

    it('refuses to start a second server for the app', async () => {
      server = await startOctane(app, ['--workers=1']);
      const second = await artisan(app, ['octane:start', '--server=ephpm', '--port=1']);
      expect(second.code).toBe(1);
      expect(second.output).toMatch(/ephpm server is already running/);
    });

    it("leaves Octane's other servers to Octane", async () => {
      const swoole = await artisan(app, ['octane:status', '--server=swoole']);
      expect(swoole.output).toMatch(/Octane server is not running\./);
      const unknown = await artisan(app, ['octane:start', '--server=lighttpd']);
      expect([unknown.code, unknown.output]).toEqual([1, expect.stringMatching(/Invalid server: lighttpd\./)]);
    });
  },
);

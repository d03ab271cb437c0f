import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { serverStatus as status } from '../helpers/status.js';

describe('ephpm status, reload and stop', () => {
  it('status shows each worker with pid, state, requests, memory and uptime, and the server totals', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      for (let i = 0; i < 10; i++) await (await fetch(`${server.url}/pid`)).arrayBuffer();
      const report = await status(server.stateFile);
      expect(report.pid).toBe(server.child.pid);
      expect(report.port).toBe(server.port);
      expect(report.totalRequests).toBe(10);
      expect(report.workers.map((w) => w.index)).toEqual([1, 2]);
      for (const worker of report.workers) {
        expect(worker.state).toBe('serving');
        expect(worker.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
        expect(worker.restarts).toBe(0);
      }
      const human = await runCli(['status', '--state-file', server.stateFile]);
      expect(human.output).toMatch(new RegExp(`http://127.0.0.1:${server.port}\\s+pid ${server.child.pid}`));
      expect(human.output).toMatch(
        /WORKER\s+PID\s+STATE\s+REQUESTS\s+IN FLIGHT\s+CONNECTIONS\s+RSS\s+UPTIME\s+RESTARTS/,
      );
    } finally {
      await server.stop();
    }
  });

  it('the control socket is usable only by its owner', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const socket = join(dirname(server.stateFile), 'control.sock');
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      expect(statSync(server.stateFile).mode & 0o777).toBe(0o600);
    } finally {
      await server.stop();
    }
  });

  it('reload replaces every worker process under concurrent load with zero failed requests', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const before = (await status(server.stateFile)).workers.map((w) => w.pid);
      let reloading = true;
      const failures: string[] = [];
      let answered = 0;
      const load = Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 20_000 && reloading; i++) {
          try {
            const response = await fetch(`${server.url}/pid`);
            await response.arrayBuffer();
            if (response.status === 200) answered++;
            else failures.push(`status ${response.status}`);
          } catch (error) {
            failures.push(String((error as Error).cause ?? error));
          }
        }
      });
      const reload = await runCli(['reload', '--state-file', server.stateFile]);
      // Keep the load on through the old workers' hand-over as well.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      reloading = false;
      await Promise.all(load);

      expect(reload.code).toBe(0);
      expect(reload.output).toMatch(/reloaded 2 worker processes/);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(100);
      const after = await status(server.stateFile);
      const serving = after.workers.filter((w) => w.state === 'serving');
      expect(serving).toHaveLength(2);
      expect(serving.every((w) => !before.includes(w.pid) && w.restarts === 1)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('stop finishes the request in flight, then the server exits 0 and removes its state file and socket', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    const inFlight = fetch(`${server.url}/sleep?ms=800`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stop = await runCli(['stop', '--state-file', server.stateFile]);
    expect(stop.code).toBe(0);
    expect(stop.output).toMatch(new RegExp(`stopped the server \\(pid ${server.child.pid}\\)`));
    expect((await inFlight).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(existsSync(server.stateFile)).toBe(false);
    expect(existsSync(join(dirname(server.stateFile), 'control.sock'))).toBe(false);
  });

  it('a stale state file (server gone) is reported and removed, never trusted', async () => {
    const stateFile = join(tempDir(), 'server.json');
    for (const command of ['status', 'reload', 'stop']) {
      writeFileSync(
        stateFile,
        JSON.stringify({ pid: 999999, host: '127.0.0.1', port: 8000, controlSocket: '/nonexistent.sock', workers: [] }),
      );
      const result = await runCli([command, '--state-file', stateFile]);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/named pid 999999, which is gone\. The stale file was removed\./);
      expect(existsSync(stateFile)).toBe(false);
    }
  });

  it('every command speaks JSON with --json: reload and stop report what they did, failures are {"error": …} on stdout', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const reload = await runCli(['reload', '--json', '--state-file', server.stateFile]);
      expect(reload.code, reload.output).toBe(0);
      const reloaded = JSON.parse(reload.stdout) as {
        pid: number;
        seconds: number;
        workers: Array<{ index: number; pid: number }>;
      };
      expect(reloaded.pid).toBe(server.child.pid);
      expect(reloaded.workers.map((w) => w.index)).toEqual([1, 2]);
      expect(reloaded.seconds).toBeGreaterThan(0);

      const stop = await runCli(['stop', '--json', '--state-file', server.stateFile]);
      expect(stop.code, stop.output).toBe(0);
      expect(JSON.parse(stop.stdout)).toEqual({ pid: server.child.pid });
      expect(await server.stop(), server.output()).toBe(0);

      for (const command of ['status', 'reload', 'stop', 'table:list']) {
        const gone = await runCli([command, '--json', '--state-file', server.stateFile]);
        expect(gone.code, gone.output).toBe(1);
        expect(JSON.parse(gone.stdout)).toEqual({
          error: {
            code: 'EPHPM_NOT_RUNNING',
            message: expect.stringMatching(/^No ephpm server is running here/),
            hint: expect.stringContaining('ephpm serve'),
          },
        });
      }
      const usage = await runCli(['status', '--json', '--bogus']);
      expect(usage.code).toBe(2);
      expect(JSON.parse(usage.stdout)).toMatchObject({
        error: { code: 'EPHPM_USAGE', message: expect.stringContaining('--bogus'), hint: 'See: ephpm status --help' },
      });
    } finally {
      await server.stop();
    }
  });

  it('says so when no server runs in the app directory', async () => {
    const result = await runCli(['status', '--root', tempDir()]);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/No ephpm server is running here \(no state file at .*\.ephpm\/server\.json\)/);
  });
});

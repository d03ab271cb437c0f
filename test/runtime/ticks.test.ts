import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskWorkerStatus } from '../../src/runtime/metrics/server-status.js';
import { fixture, getJson, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

const ticksWorker = fixture('workers', 'ticks.php');

interface Tick {
  number: number;
  time: number;
  missed: number;
}
interface TickReport {
  ticks: Tick[];
  slowTickRunning: boolean;
  role: string;
  table: { last: number; count: number } | false | null;
}

const report = (server: RunningServer) => getJson<TickReport>(`${server.url}/`);

async function tickWorker(server: RunningServer): Promise<TaskWorkerStatus> {
  const workers = (await serverStatus(server)).taskWorkers;
  const tick = workers.find((w) => w.role === 'tick');
  if (!tick) throw new Error(`no tick worker in ${JSON.stringify(workers)}`);
  return tick;
}

function start(mode: string, dir: string, extraArgs: string[] = ['--workers', '1']): Promise<RunningServer> {
  return startServer(['--worker', ticksWorker, '--tick', ...extraArgs], { env: { TICK_DIR: dir, TICK_MODE: mode } });
}

describe('the tick worker', () => {
  it('ticks once a second, numbered in order, seen over HTTP; ephpm status shows it', async () => {
    const server = await start('count', tempDir());
    try {
      const { ticks, role } = await waitFor(async () => {
        const current = await report(server);
        return current.ticks.length >= 3 && current;
      }, 'three ticks');
      expect(role).toBe('http');
      expect(ticks.slice(0, 3).map((t) => t.number)).toEqual([1, 2, 3]);
      expect(ticks[1]!.time).toBeGreaterThan(ticks[0]!.time);

      const worker = await tickWorker(server);
      expect(worker).toMatchObject({ role: 'tick', state: 'running' });
      expect(worker.done).toBeGreaterThanOrEqual(3);
      const human = await runCli(['status', '--state-file', server.stateFile]);
      expect(human.output).toMatch(new RegExp(`tick\\s+${worker.pid}\\s+running\\s+\\d+ ticks, 0 missed`));
    } finally {
      await server.stop();
    }
  });

  it('a tick writes to a shared table every second, and the request workers see it', async () => {
    const tables = JSON.stringify({ 'ticks:10': { last: 'int', count: 'int' } });
    const server = await start('table', tempDir(), ['--workers', '2', '--tables', tables]);
    try {
      const ticksInTable = async () => {
        const { table } = await report(server);
        return table ? table : null;
      };
      const first = await waitFor(async () => {
        const table = await ticksInTable();
        return table && table.count >= 1 && table;
      }, 'a tick in the table');
      const later = await waitFor(async () => {
        const table = await ticksInTable();
        return table && table.count >= first.count + 2 && table;
      }, 'two more ticks in the table');
      expect(later).toMatchObject({ last: later.count });
      const dump = await runCli(['table:dump', 'ticks', '--json', '--state-file', server.stateFile]);
      expect(dump.code).toBe(0);
      expect(dump.output).toContain('"clock"');
    } finally {
      await server.stop();
    }
  });

  it('a tick that throws is logged, and later ticks still fire', async () => {
    const server = await start('throw', tempDir());
    try {
      const { ticks } = await waitFor(async () => {
        const current = await report(server);
        return current.ticks.some((t) => t.number >= 4) && current;
      }, 'ticks after the one that threw');
      expect(ticks.map((t) => t.number)).toContain(2);
      await server.waitFor(/tick 2 failed on purpose/);
    } finally {
      await server.stop();
    }
  });

  it('a slow tick delays no HTTP request, and the ticks it overran are dropped, not piled up', async () => {
    const dir = tempDir();
    const server = await start('slow', dir);
    try {
      await waitFor(() => existsSync(join(dir, 'slow-started')), 'the slow tick to start');
      // Requests are answered while the tick is still running.
      for (let i = 0; i < 5; i++) expect((await report(server)).slowTickRunning).toBe(true);
      await waitFor(
        async () => (await tickWorker(server)).missedTicks >= 1,
        'a tick to be missed while the slow one runs',
      );
      expect((await report(server)).slowTickRunning).toBe(true);

      writeFileSync(join(dir, 'release'), '');
      const { ticks } = await waitFor(async () => {
        const current = await report(server);
        return current.ticks.length >= 3 && current;
      }, 'two ticks after the slow one');
      const [slow, next, following] = ticks as [Tick, Tick, Tick];
      // One tick waited behind the slow one; the rest were counted as missed...
      expect(next.number).toBe(slow.number + 1);
      expect(next.missed).toBeGreaterThanOrEqual(1);
      // ...and dropped: the tick after it skips their numbers instead of running them.
      expect(following.number).toBe(next.number + next.missed + 1);
    } finally {
      await server.stop();
    }
  });
});

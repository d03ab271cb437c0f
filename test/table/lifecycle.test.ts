import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { call, TABLES, tableCli, tablesWorker } from '../helpers/tables.js';

const start = (stateFile?: string) =>
  startServer(['--worker', tablesWorker, '--workers', '1', '--tables', TABLES], stateFile ? { stateFile } : {});

async function segmentOf(server: RunningServer): Promise<string> {
  const list = await tableCli(server, ['table:list', '--json']);
  expect(list.code).toBe(0);
  return `/dev/shm${JSON.parse(list.output).segment}`;
}

describe('the lifetime of shared tables', () => {
  it('live as long as the server, through a reload, and are removed when it stops', async () => {
    const server = await start();
    const segment = await segmentOf(server);
    expect(existsSync(segment)).toBe(true);
    await call(server, 'counters', 'set', ['kept', { value: 7 }]);
    expect((await runCli(['reload', '--state-file', server.stateFile])).code).toBe(0);
    expect(await call(server, 'counters', 'get', ['kept'])).toEqual({ value: 7 });
    expect(await server.stop()).toBe(0);
    expect(existsSync(segment)).toBe(false);
  });

  it('left behind by crashed servers, are removed at the next start, which begins empty', async () => {
    const stateFile = join(tempDir(), 'server.json');
    const crashed = await start(stateFile);
    const other = await start();
    const segments = [await segmentOf(crashed), await segmentOf(other)];
    await call(crashed, 'counters', 'set', ['old', { value: 1 }]);
    await crashed.stop('SIGKILL');
    await other.stop('SIGKILL');
    expect(segments.every((segment) => existsSync(segment))).toBe(true);

    const restarted = await start(stateFile);
    try {
      for (const segment of segments)
        expect(restarted.output()).toContain(`removed the shared tables ${segment} of a server that is gone`);
      expect(segments.some((segment) => existsSync(segment))).toBe(false);
      // Same server (the state file's hash), a new unpredictable name, fresh memory.
      const fresh = await segmentOf(restarted);
      expect(fresh.slice(0, -16)).toBe(segments[0]!.slice(0, -16));
      expect(fresh).not.toBe(segments[0]);
      expect(await call(restarted, 'counters', 'exists', ['old'])).toBe(false);
    } finally {
      await restarted.stop();
    }
  });

  it('live beside the state file in a directory only its owner can enter', async () => {
    const app = tempDir();
    const stateDir = join(app, '.ephpm');
    const server = await start(join(stateDir, 'server.json'));
    try {
      expect(statSync(stateDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(stateDir, 'server.json')).mode & 0o777).toBe(0o600);
    } finally {
      await server.stop();
    }
  });

  it('of servers running side by side are separate', async () => {
    const [first, second] = await Promise.all([start(), start()]);
    try {
      expect(await segmentOf(first)).not.toBe(await segmentOf(second));
      await call(first, 'counters', 'set', ['who', { value: 1 }]);
      await call(second, 'counters', 'set', ['who', { value: 2 }]);
      expect(await call(first, 'counters', 'get', ['who', 'value'])).toBe(1);
      expect(await call(second, 'counters', 'get', ['who', 'value'])).toBe(2);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

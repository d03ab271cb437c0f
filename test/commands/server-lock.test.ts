import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';

const serve = (stateFile: string) =>
  runCli(['serve', '--worker', appWorker, '--workers', '1', '--port', '0', '--state-file', stateFile]);

describe('the running server, whatever its state file says', () => {
  it('keeps its control socket when its state file is truncated: a second server refuses to start, and stop stops the first', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      truncateSync(server.stateFile, 0);
      const second = await serve(server.stateFile);
      expect(second.code).toBe(1);
      expect(second.output).toContain(
        `An ephpm server (pid ${server.child.pid}) is already running for this app (its state file ${server.stateFile} is corrupt: Unexpected end of JSON input).`,
      );
      // The live server still answers, found through its control socket.
      expect((await serverStatus(server)).pid).toBe(server.child.pid);
      const stop = await runCli(['stop', '--state-file', server.stateFile]);
      expect(stop.code, stop.output).toBe(0);
      expect(stop.output).toContain(`stopped the server (pid ${server.child.pid})`);
      expect(await server.stop()).toBe(0);
    } finally {
      await server.stop('SIGKILL');
    }
  });

  it('is not mistaken for a process that has its recorded pid now; a corrupt file with no server is reported as corrupt', async () => {
    const stateFile = join(tempDir(), 'server.json');
    // This test runner is a live node process: the old check took it for a running server.
    writeFileSync(
      stateFile,
      JSON.stringify({
        pid: process.pid,
        host: '127.0.0.1',
        port: 1,
        controlSocket: join(tempDir(), 'control.sock'),
        workers: [],
      }),
    );
    const status = await runCli(['status', '--state-file', stateFile]);
    expect(status.code).toBe(1);
    expect(status.output).toContain(
      `the state file ${stateFile} named pid ${process.pid}, which is not its server any more (the pid was reused). The stale file was removed.`,
    );
    writeFileSync(
      stateFile,
      JSON.stringify({ pid: process.pid, host: '127.0.0.1', port: 1, controlSocket: '/nonexistent', workers: [] }),
    );
    const server = await startServer(['--worker', appWorker, '--workers', '1'], { stateFile });
    try {
      expect(JSON.parse(readFileSync(stateFile, 'utf8')).pid).toBe(server.child.pid);
    } finally {
      await server.stop();
    }
    writeFileSync(stateFile, '{"pid": 12');
    const corrupt = await runCli(['status', '--state-file', stateFile]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.output).toMatch(
      new RegExp(
        `the state file ${stateFile} was corrupt \\(.*JSON.*\\) and no server holds its lock\\. The stale file was removed\\.`,
      ),
    );
    expect(existsSync(stateFile)).toBe(false);
  });

  it("never replaces another live server's control socket, even one with another state file in the same directory", async () => {
    const dir = tempDir();
    const first = await startServer(['--worker', appWorker, '--workers', '1'], { stateFile: join(dir, 'first.json') });
    try {
      const second = await serve(join(dir, 'second.json'));
      expect(second.code).toBe(1);
      expect(second.output).toContain(`Another process answers on ${join(dir, 'control.sock')}.`);
      expect((await serverStatus(first)).pid).toBe(first.child.pid);
    } finally {
      await first.stop();
    }
  });
});

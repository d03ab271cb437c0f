import { describe, expect, it } from 'vitest';
import { appWorker, cliPath, runCli, startServer, tempDir } from '../helpers/ephpm-server.js';
import { Terminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait-for.js';

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

describe('ephpm top', () => {
  it('shows the live request rate in a terminal, and q quits leaving the terminal as it was', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2', '--no-access-log']);
    const terminal = new Terminal(
      `${shellQuote(process.execPath)} ${shellQuote(cliPath)} top --state-file ${shellQuote(server.stateFile)}; echo "top exited $?"; sleep 60`,
    );
    let loading = true;
    const load = (async () => {
      while (loading) await (await fetch(`${server.url}/pid`)).arrayBuffer();
    })();
    try {
      const rate = () => Number(/^([\d,.]+) req\/s/m.exec(terminal.screen())?.[1]?.replace(/,/g, '') ?? NaN);
      const first = await waitFor(() => rate() > 0 && rate(), 'a request rate on the screen');
      expect(terminal.alternateScreen()).toBe(true);
      expect(terminal.screen()).toMatch(/WORKER\s+ROLE\s+PID\s+STATE\s+REQ\/S\s+IN FLIGHT\s+RSS\s+SERVED\s+RESTARTS/);
      expect(terminal.screen()).toMatch(/^#1\s+http\s+\d+\s+serving/m);
      expect(terminal.screen()).toMatch(/^#2\s+http\s+\d+\s+serving/m);
      // Refreshed every second: the rate changes as the load goes on, then falls to 0 without it.
      await waitFor(() => rate() > 0 && rate() !== first, 'the rate to change');
      loading = false;
      await load;
      await waitFor(() => rate() === 0, 'the rate back to 0 without load');

      terminal.press('q');
      await waitFor(() => terminal.screen().includes('top exited 0'), 'top to exit on q');
      expect(terminal.alternateScreen()).toBe(false);
      expect(terminal.screen()).not.toMatch(/req\/s/);
    } finally {
      loading = false;
      await load;
      terminal.close();
      await server.stop();
    }
  });

  it('--once --json prints one sample for scripts: rates over a second, each worker, no terminal needed', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2', '--no-access-log']);
    try {
      for (let i = 0; i < 6; i++) await (await fetch(`${server.url}/pid`)).arrayBuffer();
      const result = await runCli(['top', '--once', '--json', '--state-file', server.stateFile]);
      expect(result.code, result.output).toBe(0);
      const view = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(view).toEqual({
        url: server.url,
        pid: server.child.pid,
        uptimeSeconds: expect.any(Number),
        metricsUrl: null,
        intervalSeconds: expect.any(Number),
        server: {
          requestsPerSecond: expect.any(Number),
          errorsPerSecond: 0,
          p50Seconds: null,
          p99Seconds: null,
          inFlight: 0,
          totalRequests: 6,
        },
        workers: [1, 2].map((index) => ({
          index,
          pid: expect.any(Number),
          role: 'http',
          state: 'serving',
          perSecond: 0,
          inFlight: 0,
          rssBytes: expect.any(Number),
          served: expect.any(Number),
          restarts: 0,
        })),
        tables: [],
        tasks: null,
      });
      expect(view.intervalSeconds).toBeGreaterThanOrEqual(1);

      const human = await runCli(['top', '--once', '--state-file', server.stateFile]);
      expect(human.code, human.output).toBe(0);
      expect(human.stdout).toMatch(/^0 req\/s {3}p50 - {3}p99 - {3}0 errors\/s {3}0 in flight {3}6 requests$/m);
    } finally {
      await server.stop();
    }
  });

  it('says what to do without a terminal or without a server, as JSON under --json', async () => {
    const noServer = await runCli(['top', '--once', '--json', '--root', tempDir()]);
    expect(noServer.code).toBe(1);
    expect(JSON.parse(noServer.stdout)).toEqual({
      error: {
        code: 'EPHPM_NOT_RUNNING',
        message: expect.stringMatching(/^No ephpm server is running here/),
        hint: expect.any(String),
      },
    });

    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const piped = await runCli(['top', '--state-file', server.stateFile]);
      expect(piped.code).toBe(1);
      expect(piped.output).toMatch(/ephpm top draws a live screen and needs a terminal/);
      expect(piped.output).toMatch(/try: For scripts: ephpm top --once --json/);
    } finally {
      await server.stop();
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { concurrentGets } from '../helpers/concurrent-requests.js';
import { appWorker, runCli, startServer } from '../helpers/ephpm-server.js';
import { processGone, waitFor } from '../helpers/wait-for.js';

// SIGKILL of the supervisor (no drain message can reach the workers): the workers still finish every request they
// accepted, in flight or waiting for PHP, then exit.

describe('the supervisor SIGKILLed under load', () => {
  it('answers every request the workers had accepted, then the workers exit', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    const { stdout } = await runCli(['status', '--json', '--state-file', server.stateFile]);
    const workers = (JSON.parse(stdout) as ServerStatus).workers.map((worker) => worker.pid);
    // 2 PHP workers, 16 requests of 0.8 s: 2 in flight, 14 waiting in the workers when the supervisor dies.
    const statuses = await concurrentGets(server.url, '/sleep?ms=800', 16, () =>
      setTimeout(() => server.child.kill('SIGKILL'), 500),
    );
    expect(statuses).toEqual(Array(16).fill(200));
    await waitFor(() => workers.every(processGone), 'the orphaned workers to exit', 30_000);
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/metrics/server-status.js';
import { appWorker, runCli, startServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait-for.js';

// A worker whose PHP is stuck past request_timeout leaves. A request that arrived behind the stuck one was never
// read (its connection was parked while PHP was busy): it goes, unread, to the worker that replaces it.

describe('a request waiting behind a stuck request on the only worker', () => {
  it('is answered by the replacement worker, not lost or refused with the stuck one', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--request-timeout', '2']);
    try {
      const stuck = fetch(`${server.url}/sleep?ms=20000`);
      let stuckPid = 0;
      await waitFor(async () => {
        const { stdout } = await runCli(['status', '--json', '--state-file', server.stateFile]);
        const worker = (JSON.parse(stdout) as ServerStatus).workers[0]!;
        stuckPid = worker.pid;
        return worker.inFlight === 1;
      }, 'the stuck request in PHP');
      const waiting = await RawConnection.open(server.port);
      waiting.get(['/pid']);
      const answer = await waiting.read({ timeoutMs: 15_000 });
      expect(answer.statusLine).toBe('HTTP/1.1 200 OK');
      const { pid } = JSON.parse(answer.body.toString()) as { pid: number };
      expect(pid).not.toBe(stuckPid);
      expect((await stuck).status).toBe(504);
      waiting.close();
    } finally {
      await server.stop();
    }
  }, 60_000);
});

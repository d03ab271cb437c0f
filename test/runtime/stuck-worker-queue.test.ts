import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../src/runtime/control/status.js';
import { appWorker, runCli, startServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait-for.js';

// A worker whose PHP is stuck past request_timeout answers what waits for it with 503 and leaves: those answers
// close their connections, so a keep-alive client sends its next request to a worker that will answer it.

describe('requests waiting behind a stuck request', () => {
  it('get a 503 that closes the connection, so no next request goes to the leaving worker', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--request-timeout', '2']);
    try {
      const stuck = fetch(`${server.url}/sleep?ms=20000`);
      await waitFor(async () => {
        const { stdout } = await runCli(['status', '--json', '--state-file', server.stateFile]);
        return (JSON.parse(stdout) as ServerStatus).workers[0]!.inFlight === 1;
      }, 'the stuck request in PHP');
      const waiting = await RawConnection.open(server.port);
      waiting.get(['/pid']);
      const answer = await waiting.read({ timeoutMs: 15_000 });
      expect(answer.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
      expect(answer.header('connection')).toBe('close');
      await waiting.closedByServer();
      expect((await stuck).status).toBe(504);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

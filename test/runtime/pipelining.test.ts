import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWorker, getJson, startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { alphabetBytes, RawConnection } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait-for.js';

// A client may pipeline requests (send the next before reading the last answer). One that pipelines and never
// reads must not make the worker hold the answers to everything it sent: memory stays flat however much it sends.

const RESPONSE_BYTES = 900 * 1024; // under response_memory_size: a complete answer Node would hold in memory
const MB = 1024 * 1024;

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', appWorker, '--workers', '1']);
});
afterAll(async () => {
  await server?.stop();
});

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const served = async () => (await getJson<{ served: number }>(`${server.url}/pid`)).served;

/** Resolves once the worker's PHP has served no new request for a while: what it could do for the flood is done. */
async function settled(): Promise<void> {
  let last = -1;
  let unchangedSince = Date.now();
  await waitFor(async () => {
    const now = await served(); // a 503 while the worker is at capacity: not yet
    if (now !== last + 1) unchangedSince = Date.now(); // +1: this /pid request itself
    last = now;
    return Date.now() - unchangedSince >= 1000;
  }, 'the worker to stop serving the flood');
}

describe('a client that pipelines requests and never reads', () => {
  it('does not grow the worker: requests behind an unsent answer wait unread, and are answered once it reads', async () => {
    const path = `/bytes?size=${RESPONSE_BYTES}`;
    for (let i = 0; i < 3; i++) await fetch(`${server.url}${path}`).then((response) => response.arrayBuffer());
    const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
    const before = rssBytes(pid);

    const flood = await RawConnection.open(server.port);
    try {
      flood.socket.pause();
      flood.get(Array.from({ length: 600 }, () => path)); // ~530 MB of answers if all were made
      await settled();
      const grown = rssBytes(pid) - before;
      expect(grown, `the worker grew by ${Math.round(grown / MB)} MB`).toBeLessThan(40 * MB);

      flood.socket.resume();
      for (let i = 0; i < 3; i++) {
        const response = await flood.read({ timeoutMs: 20_000 });
        expect(response.statusLine).toBe('HTTP/1.1 200 OK');
        expect(response.body.equals(alphabetBytes(RESPONSE_BYTES))).toBe(true);
      }
    } finally {
      flood.close();
    }
  });
});

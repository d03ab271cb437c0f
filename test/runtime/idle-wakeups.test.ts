import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appWorker, getJson, startServer } from '../helpers/ephpm-server.js';
import { serverStatus } from '../helpers/status.js';

// An idle server costs no CPU: nothing in a worker wakes its main thread many times a second. What it would notice,
// a long request, the addon's timer tells it (the read gate's cue; waiting-requests-move.test.ts). The kernel counts
// each time a thread went to sleep and was woken (voluntary context switches of the worker's main thread).

function mainThreadWakeups(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]);
}

describe('an idle worker', () => {
  it('leaves its main thread asleep: a few wake-ups a second, not one per park_after_ms / 2', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      for (let i = 0; i < 5; i++) await getJson(`${server.url}/sleep?ms=30`); // each runs past park_after_ms (10)
      const pids = (await serverStatus(server)).workers.map((worker) => worker.pid);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = pids.map(mainThreadWakeups);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const woken = pids.map((pid, i) => mainThreadWakeups(pid) - before[i]!);
      // Looking every 5 ms, as it did, was ~400 in these 2 s.
      for (const count of woken) expect(count).toBeLessThan(60);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

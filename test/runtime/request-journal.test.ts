import { readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appWorker, startServer } from '../helpers/ephpm-server.js';

// Each worker keeps the requests it queued for PHP in a file in /dev/shm (docs/ARCHITECTURE.md, "Reading only what
// PHP can start"); memory there is the worker's too, so a slot is written only when the ones before it are in use.

const JOURNALS = '/dev/shm';

function journalBytes(supervisorPid: number): number[] {
  const prefix = `ephpm-journal-${process.getuid?.() ?? 0}-${supervisorPid}-`;
  return readdirSync(JOURNALS)
    .filter((name) => name.startsWith(prefix))
    .map((name) => statSync(`${JOURNALS}/${name}`).blocks * 512);
}

describe("a worker's request journal", () => {
  it('takes memory for the requests queued at once, not for every one it served', async () => {
    // Node reads every request here (no native lane), so each one is queued and written to the journal.
    const server = await startServer(['--worker', appWorker, '--workers', '1', '--no-native-lane']);
    try {
      for (let i = 0; i < 600; i++) {
        const response = await fetch(`${server.url}/pid`);
        expect(response.status).toBe(200);
        await response.text();
      }
      const journals = journalBytes(server.child.pid!);
      expect(journals).toHaveLength(1);
      // 600 requests one after another: two slots in turn, a page each (512 slots, 2 MB, when each had its own).
      expect(journals[0]).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

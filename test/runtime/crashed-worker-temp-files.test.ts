import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appWorker, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { waitFor } from '../helpers/wait-for.js';

// A worker that dies by a signal (a segfault, SIGKILL, its own SIGKILL after request_timeout) cannot remove its temp
// dir: the supervisor does, once the worker is gone.

const workerPids = (server: RunningServer): number[] =>
  (JSON.parse(readFileSync(server.stateFile, 'utf8')) as { workers: Array<{ pid: number }> }).workers.map((w) => w.pid);

/** Every regular file under `dir`, at any depth. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(dir, path)).isFile());

/** POSTs a body spooled to disk (over 1 MiB) to a route whose PHP segfaults, then waits for the replacement. */
async function crashWithSpooledBody(server: RunningServer): Promise<void> {
  const [victim] = workerPids(server);
  // The supervisor answers for the dead worker, as nginx does for a php-fpm child that died.
  const response = await fetch(`${server.url}/deep?depth=1000000`, {
    method: 'POST',
    body: randomBytes(5 * 1024 * 1024),
  });
  expect(response.status).toBe(502);
  await waitFor(
    () => workerPids(server).length === 1 && !workerPids(server).includes(victim!),
    'a replacement for the crashed worker',
  );
}

describe('temp files of a worker that crashed', () => {
  it('are removed with its temp dir by the supervisor: no spooled body and no empty directory is left behind', async () => {
    const spoolRoot = tempDir('ephpm-spool-root-');
    const server = await startServer(['--worker', appWorker, '--workers', '1'], { env: { TMPDIR: spoolRoot } });
    try {
      await crashWithSpooledBody(server);
      await crashWithSpooledBody(server);
      await server.waitFor(/exited unexpectedly \(SIGSEGV\)/);
      expect(filesUnder(spoolRoot)).toEqual([]);
      // At most the live worker's own directory.
      expect(readdirSync(spoolRoot).filter((name) => name.startsWith('ephpm-')).length).toBeLessThanOrEqual(1);
    } finally {
      await server.stop();
    }
    expect(readdirSync(spoolRoot)).toEqual([]);
  });
});

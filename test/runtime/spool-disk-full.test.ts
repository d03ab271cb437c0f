import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, getJson, startServer, tempDir } from '../helpers/ephpm-server.js';

const hardeningWorker = fixture('workers', 'hardening.php');

/** Every regular file under `dir`, at any depth. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(dir, path)).isFile());

describe('a request body the server has no room to spool', () => {
  it('is answered 507 saying the server could not store it, leaves no file behind, and the worker serves on', async () => {
    // The server's temp dir is a 1 MiB tmpfs, mounted in a mount namespace of its own (gone with the server).
    const spool = tempDir('ephpm-spool-full-');
    const wrap = [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o size=1m tmpfs "$TMPDIR" && exec "$@"',
      'sh',
    ];
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1'], { wrap, env: { TMPDIR: spool } });
    // The tmpfs as the server sees it.
    const spoolSeenByServer = `/proc/${server.child.pid}/root${spool}`;
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      const response = await fetch(`${server.url}/body`, { method: 'POST', body: randomBytes(5 * 1024 * 1024) });
      expect(response.status).toBe(507);
      expect(await response.text()).toMatch(
        /^507 Insufficient Storage: the server could not store the request body \(ENOSPC: no space left on device\)\.\n$/,
      );
      expect(filesUnder(spoolSeenByServer)).toEqual([]);
      // The worker's log reaches the server's output through a pipe of its own, maybe after the response.
      await server.waitFor(
        /the server could not store the request body \(ENOSPC: no space left on device\)\. Free space in the temp dir/,
        0,
        5_000,
      );

      const after = await getJson<{ pid: number; size: number }>(`${server.url}/body`, {
        method: 'POST',
        body: randomBytes(1000),
      });
      expect(after).toMatchObject({ pid, size: 1000 });
    } finally {
      await server.stop();
    }
  });
});

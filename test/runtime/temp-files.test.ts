import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, getJson, startServer, tempDir } from '../helpers/ephpm-server.js';

const hardeningWorker = fixture('workers', 'hardening.php');

describe('spooled request bodies, against other local users', () => {
  it('go to a private directory no one else can predict, enter or prepare, in files of mode 0600', async () => {
    // The server's temp dir, shared with everyone like /tmp.
    const shared = realpathSync(tempDir('ephpm-shared-tmp-'));
    chmodSync(shared, 0o1777);
    const server = await startServer(['--worker', hardeningWorker, '--workers', '1'], { env: { TMPDIR: shared } });
    try {
      const { pid } = await getJson<{ pid: number }>(`${server.url}/pid`);
      // Another user prepares the directory a worker with this pid used to spool bodies into, open to all.
      const trap = join(shared, `ephpm-bodies-${pid}`);
      mkdirSync(trap);
      chmodSync(trap, 0o777);
      if (process.getuid!() === 0) {
        const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
        chownSync(trap, nobody, nobody);
      }

      const body = randomBytes(2 * 1024 * 1024); // over 1 MiB: spooled to a file
      const answer = await getJson<{
        size: number;
        body_file: string;
        file_mode: string;
        dir_mode: string;
        dir_owner: number;
      }>(`${server.url}/body`, { method: 'POST', body });
      expect(answer.size).toBe(body.length);
      const dir = dirname(answer.body_file);
      expect(dirname(dir)).toBe(shared);
      expect(dir).not.toBe(trap);
      expect(basename(dir)).not.toContain(String(pid));
      expect(answer).toMatchObject({ file_mode: '600', dir_mode: '700', dir_owner: process.getuid!() });
      expect(readdirSync(trap)).toEqual([]);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      await server.stop();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { call, TABLES, tablesWorker } from '../helpers/tables.js';

// Files under /dev/shm that look like ephpm's shared tables but were left by someone else (another
// local user, or anything writing garbage). Every server here runs in a private mount namespace with
// its own /dev/shm, so the crafted files never reach servers other tests (or other checkouts) run.

const UID = process.getuid!();
const NOBODY = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
const MAGIC = 0x3142544d5048504dn; // native/tables/shared_table_layout.h

interface Crafted {
  name: string;
  content: Buffer;
  mode: number;
  owner?: number;
}

/** A segment header (SegmentHeader): valid magic and layout version, sizes as given. */
function segment(options: {
  size: number;
  bytes: number;
  tables: number;
  ownerPid?: number;
  ownerStart?: bigint;
  firstTableBytes?: bigint;
}): Buffer {
  const file = Buffer.alloc(options.size);
  file.writeBigUInt64LE(MAGIC, 0);
  file.writeUInt32LE(1, 8);
  file.writeUInt32LE(options.tables, 12);
  file.writeBigUInt64LE(BigInt(options.bytes), 16);
  file.writeInt32LE(options.ownerPid ?? 999_999, 24);
  file.writeBigUInt64LE(options.ownerStart ?? 0n, 32);
  // The first TableHeader starts at 64; its `bytes` field is at +88: where the next table would be.
  if (options.firstTableBytes !== undefined) file.writeBigUInt64LE(options.firstTableBytes, 64 + 88);
  return file;
}

/** A header that would send a reader to the next table 1 TB further on. */
const absurd = () => segment({ size: 4096, bytes: 4096, tables: 2, firstTableBytes: 1n << 40n });

/** Starts `ephpm serve` with exactly these files in its (private) /dev/shm. */
async function serveAmong(files: Crafted[], args: string[], stateFile?: string): Promise<RunningServer> {
  const stage = tempDir('ephpm-shm-stage-');
  chmodSync(stage, 0o755);
  for (const file of files) {
    const path = join(stage, file.name);
    writeFileSync(path, file.content);
    chmodSync(path, file.mode);
    if (file.owner !== undefined) chownSync(path, file.owner, file.owner);
  }
  const wrap = [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && cp -a "$EPHPM_SHM_STAGE"/. /dev/shm/ && exec "$@"',
    'sh',
  ];
  return startServer(['--worker', tablesWorker, '--workers', '1', ...args], {
    wrap,
    env: { EPHPM_SHM_STAGE: stage },
    ...(stateFile ? { stateFile } : {}),
  });
}

/** Field 22 of /proc/<pid>/stat: what a segment records to tell a live owner from a reused pid. */
function processStart(pid: number): bigint {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return BigInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!);
}

describe('segment files ephpm did not make', () => {
  it("another user's file with a valid header and absurd sizes is left alone and logged; the server starts, with tables or without", async () => {
    const foreign: Crafted = { name: `ephpm-${UID}-0000000000000000`, content: absurd(), mode: 0o666, owner: NOBODY };
    for (const args of [[], ['--tables', TABLES]]) {
      const server = await serveAmong([foreign], args);
      try {
        expect(server.output()).toContain(
          `left alone /dev/shm/${foreign.name}: foreign: owned by uid ${NOBODY} with mode 0666`,
        );
        expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
        if (args.length > 0) {
          await call(server, 'counters', 'set', ['k', { value: 3 }]);
          expect(await call(server, 'counters', 'get', ['k'])).toEqual({ value: 3 });
        }
      } finally {
        expect(await server.stop()).toBe(0);
      }
    }
  });

  it('a file of this user that others may write, or whose sizes do not add up, is never mapped', async () => {
    const openToOthers: Crafted = { name: `ephpm-${UID}-1111111111111111`, content: absurd(), mode: 0o644 };
    const corrupt: Crafted = { name: `ephpm-${UID}-2222222222222222`, content: absurd(), mode: 0o600 };
    const lying: Crafted = {
      name: `ephpm-${UID}-3333333333333333`,
      content: segment({ size: 64, bytes: 1 << 30, tables: 0 }),
      mode: 0o600,
    };
    const server = await serveAmong([openToOthers, corrupt, lying], ['--tables', TABLES]);
    try {
      expect(server.output()).toContain(
        `left alone /dev/shm/${openToOthers.name}: foreign: owned by uid ${UID} with mode 0644`,
      );
      expect(server.output()).toContain(`left alone /dev/shm/${corrupt.name}: corrupt: table "": rows out of range`);
      expect(server.output()).toContain(
        `left alone /dev/shm/${lying.name}: corrupt: its header says 1073741824 bytes, the file has 64`,
      );
      expect(await call(server, 'users', 'count()')).toBe(0);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it("a file under the name this server's segment used to have, naming a live process as its owner, does not stop the start", async () => {
    const stateFile = join(tempDir(), 'server.json');
    const predictable = createHash('sha256')
      .update(join(realpathSync(join(stateFile, '..')), 'server.json'))
      .digest('hex')
      .slice(0, 16);
    const squatter: Crafted = {
      name: `ephpm-${UID}-${predictable}`,
      content: segment({ size: 64, bytes: 64, tables: 0, ownerPid: 1, ownerStart: processStart(1) }),
      mode: 0o600,
    };
    const server = await serveAmong([squatter], ['--tables', TABLES], stateFile);
    try {
      await call(server, 'users', 'set', ['u', { name: 'Ann' }]);
      expect(await call(server, 'users', 'get', ['u', 'name'])).toBe('Ann');
      const { tables } = JSON.parse(readFileSync(stateFile, 'utf8')) as { tables: string };
      expect(tables).toMatch(new RegExp(`^/ephpm-${UID}-${predictable}-[0-9a-f]{16}$`));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

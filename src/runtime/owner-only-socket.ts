import { createHash } from 'node:crypto';
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EphpmError } from './errors.js';
import { ensurePrivateDir } from './private-dir.js';

// sockaddr_un holds 108 bytes. A socket is bound under a temporary name a few
// bytes longer than its path (".<name>.<pid>") and renamed, so keep a margin.
const UNIX_PATH_LIMIT = 90;

/**
 * Where a server's unix socket `name` lives: beside its state file (in the
 * owner-only .ephpm directory), or in the system temp dir under a name derived
 * from the state file when that path is too long for a socket address.
 */
export function socketPathBeside(stateFile: string, name: string): string {
  const beside = join(dirname(stateFile), name);
  if (Buffer.byteLength(beside) <= UNIX_PATH_LIMIT) return beside;
  return join(tmpdir(), `ephpm-${createHash('sha256').update(stateFile).digest('hex').slice(0, 16)}-${name}`);
}

/**
 * Listens on a unix socket only its owner can open: created with umask 0177 (never briefly open to
 * others) in a 0700 directory. Bound under a temporary name and renamed over `path`, so a process
 * that takes over a path (a replacement task worker) leaves no moment of "no such file", and a
 * socket file left by a crashed server is replaced. With `takeOver: false` a socket some process
 * still answers on is never replaced: EPHPM_SOCKET_IN_USE instead.
 */
export async function listenOwnerOnly(
  server: Server,
  path: string,
  options: { takeOver: boolean } = { takeOver: true },
): Promise<void> {
  ensurePrivateDir(dirname(path));
  if (!options.takeOver) await refuseLiveSocket(path);
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}`);
  rmSync(temporary, { force: true });
  const previousMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(temporary, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previousMask);
  }
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** EPHPM_SOCKET_IN_USE when some process accepts connections on the unix socket at `path`. */
export async function refuseLiveSocket(path: string): Promise<void> {
  if (await answers(path)) {
    throw new EphpmError(
      'EPHPM_SOCKET_IN_USE',
      `Another process answers on ${path}.`,
      'Another ephpm server keeps its state file in the same directory: give this one a --state-file in a directory of its own.',
    );
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

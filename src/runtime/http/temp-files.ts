import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKER_TEMP_DIR_ENV } from '../ipc/worker-env.js';

// Request bodies spooled to disk, uploaded files and the unsent parts of streamed
// responses (spill-file.ts) live in one directory per worker process: mkdtemp gives it an unpredictable name and mode 0700, and
// each file in it is created exclusively (O_EXCL), mode 0600. The supervisor
// makes it before the fork (WORKER_TEMP_DIR_ENV) and removes it once the
// worker has exited, however it exited (a SIGKILL, a segfault); the worker
// removes it too when it exits. Without one given, made on first use.
let directory: string | null = null;
let removedOnExit = false;

/** A new private directory for one worker process's temp files, under the OS temp dir. */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ephpm-'));
}

export interface TempFile {
  path: string;
  /** Open for writing (and reading, when asked); the caller owns it. */
  fd: number;
}

/**
 * A new, empty temp file. Synchronous on purpose: once this returns the file
 * exists, so a request that fails at any later point knows every path to remove.
 */
export function createTempFile(access: 'write' | 'read-write' = 'write'): TempFile {
  const given = process.env[WORKER_TEMP_DIR_ENV] || null;
  for (let attempt = 0; ; attempt++) {
    directory ??= given ?? makeTempDir();
    if (!removedOnExit) {
      removedOnExit = true;
      process.once('exit', removeTempDir);
    }
    const path = join(directory, randomBytes(12).toString('hex'));
    try {
      return { path, fd: openSync(path, access === 'write' ? 'wx' : 'wx+', 0o600) };
    } catch (error) {
      // Something cleaned the temp dir (systemd-tmpfiles, a tidy-up script): make it again, once (the supervisor's
      // under the same name, which fails if someone else made it in between).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw error;
      if (given) mkdirSync(given, { mode: 0o700 });
      else directory = null;
    }
  }
}

export function removeTempFiles(paths: readonly string[]): void {
  for (const path of paths) rmSync(path, { force: true });
}

export function removeTempDir(): void {
  if (directory) rmSync(directory, { recursive: true, force: true });
  directory = null;
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Request bodies spooled to disk and uploaded files live in one directory per
// worker process: mkdtemp gives it an unpredictable name and mode 0700, and
// each file in it is created exclusively (O_EXCL), mode 0600. Created on first
// use, removed when the process exits (however it exits, short of SIGKILL).
let directory: string | null = null;
let removedOnExit = false;

export interface TempFile {
  path: string;
  /** Open for writing; the caller owns it. */
  fd: number;
}

/**
 * A new, empty temp file. Synchronous on purpose: once this returns the file
 * exists, so a request that fails at any later point knows every path to remove.
 */
export function createTempFile(): TempFile {
  for (let attempt = 0; ; attempt++) {
    directory ??= mkdtempSync(join(tmpdir(), 'ephpm-'));
    if (!removedOnExit) {
      removedOnExit = true;
      process.once('exit', removeTempDir);
    }
    const path = join(directory, randomBytes(12).toString('hex'));
    try {
      return { path, fd: openSync(path, 'wx', 0o600) };
    } catch (error) {
      // Something cleaned the temp dir (systemd-tmpfiles, a tidy-up script): make a new one, once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw error;
      directory = null;
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

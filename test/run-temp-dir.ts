import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest's global setup: every temp file of a run (the tests' apps, servers' spools and sockets, browsers' profiles)
 * goes under one directory, through TMPDIR, which the test processes and every server they start inherit. It is
 * removed after the run: before, each full run left ~3 GB in /tmp, and runs piled up until the disk was full.
 */
export default function setup(): () => void {
  // Each project (laravel-11, laravel-12) runs the global setup: the first one makes the directory.
  if (process.env[MADE]) return () => undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ephpm-tests-'));
  process.env.TMPDIR = process.env[MADE] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

const MADE = 'EPHPM_TEST_RUN_TMPDIR';

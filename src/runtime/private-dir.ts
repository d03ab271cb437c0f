import { chmodSync, mkdirSync } from 'node:fs';

/**
 * Creates `dir` (and missing parents) so that only its owner can enter it: mode 0700 whatever the
 * umask. A directory that already exists is left as it is: it may be shared (/tmp) or not ours.
 */
export function ensurePrivateDir(dir: string): void {
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) chmodSync(dir, 0o700);
}

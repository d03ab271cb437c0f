import { closeSync } from 'node:fs';

/**
 * A body PHP's thread spilled to a file (the descriptor comes with its event) that nobody will send: the request was
 * answered otherwise, or its client is gone.
 */
export function discardSpilledBody(fd: number): void {
  if (fd >= 0) closeSync(fd);
}

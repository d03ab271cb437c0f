import { rmSync } from 'node:fs';
import { makeTempDir } from '../http/temp-files.js';
import type { Logger } from '../logger.js';

/** A worker's temp dir, made before it starts so that it is removed however the worker dies. */
export function newWorkerTempDir(logger: Logger): string | null {
  try {
    return makeTempDir();
  } catch (error) {
    logger.warn(
      `could not make a temp dir for a new worker (${(error as Error).message}); it makes one when it spools a body, which a crash leaves behind`,
    );
    return null;
  }
}

/** What a worker left in its temp dir: a worker killed or crashed in the middle of a request cannot remove it. */
export function removeWorkerTempDir(dir: string | null, pid: number, logger: Logger): void {
  if (!dir) return;
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    logger.warn(`could not remove the temp dir ${dir} of worker ${pid}: ${(error as Error).message}`);
  }
}

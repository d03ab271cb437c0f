// The environment a supervisor gives each child process it forks: the rest of the process protocol
// (the messages both ways are in process-messages.ts).
import type { ServerConfig } from '../config/server-config.js';
import { taskEnv } from './task-sockets.js';

/** The worker's ServerConfig, as JSON. */
export const WORKER_CONFIG_ENV = 'EPHPM_WORKER_CONFIG';
/** A task worker's socket path (task-sockets.ts). */
export const TASK_SOCKET_ENV = 'EPHPM_TASK_SOCKET';
/** '1' on a worker forked for `ephpm dev` while no worker runs good code: a failed boot keeps the port answered with the error. */
export const BOOT_ERROR_PAGE_ENV = 'EPHPM_BOOT_ERROR_PAGE';
/** The directory the supervisor made for this worker process's temp files (http/temp-files.ts). */
export const WORKER_TEMP_DIR_ENV = 'EPHPM_WORKER_TEMP_DIR';
/** The worker's request journal in /dev/shm (supervisor/request-journal.ts). */
export const REQUEST_JOURNAL_ENV = 'EPHPM_REQUEST_JOURNAL';

/** A request worker's environment: the supervisor's own, plus its config, task sockets, temp dir and journal. */
export function requestWorkerEnv(
  config: ServerConfig,
  own: { tempDir: string | null; journal: string; showBootError: boolean },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [WORKER_CONFIG_ENV]: JSON.stringify(config),
    ...taskEnv(config, 'http'),
    [BOOT_ERROR_PAGE_ENV]: own.showBootError ? '1' : '',
    [WORKER_TEMP_DIR_ENV]: own.tempDir ?? '',
    [REQUEST_JOURNAL_ENV]: own.journal,
  };
}

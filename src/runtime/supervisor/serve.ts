import { resolveServerConfig } from '../config/config.js';
import type { ServeOptions } from '../config/server-config.js';
import { readOctaneSettings } from '../laravel/octane-settings.js';
import { Logger } from '../logger.js';
import { stopWithParent } from '../ipc/parent-watch.js';
import { Supervisor } from './supervisor.js';

/** Runs the server in the foreground; resolves with the exit code once it has stopped. */
export async function serve(options: ServeOptions): Promise<number> {
  // In a Laravel app: octane.tables, octane.cache and its ticks, asked of the app (a failure stops here, with the app's error).
  const config = resolveServerConfig({ ...options, octaneSettings: readOctaneSettings });
  const logger = new Logger(config.logFormat, 'supervisor');
  const supervisor = new Supervisor(config, logger);
  await supervisor.start();
  stopWithParent(process.env, () => {
    logger.warn('the process that started this server (php artisan octane:start) is gone: stopping');
    void supervisor.stop();
  });
  return supervisor.finished;
}

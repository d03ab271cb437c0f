import { resolveServerConfig, type ServeOptions } from '../config.js';
import { Logger } from '../logger.js';
import { Supervisor } from './supervisor.js';

/** Runs the server in the foreground; resolves with the exit code once it has stopped. */
export async function serve(options: ServeOptions): Promise<number> {
  const config = resolveServerConfig(options);
  const supervisor = new Supervisor(config, new Logger(config.logFormat, 'supervisor'));
  await supervisor.start();
  return supervisor.finished;
}

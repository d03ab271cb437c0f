import { resolveDevConfig, resolveServerConfig, type ServeOptions } from './config.js';
import { controlSocketPath } from './control-server.js';
import { DevReport } from './dev-report.js';
import { DevRestarts } from './dev-restarts.js';
import { WatchScope } from './dev-watch-scope.js';
import { DevWatcher, POLL_INTERVAL_MS } from './dev-watcher.js';
import { Logger } from './logger.js';
import { Supervisor } from './supervisor.js';

export interface DevOptions extends ServeOptions {
  poll?: boolean;
}

/**
 * `ephpm serve` plus a file watcher: a burst of changes to the app restarts the PHP workers
 * gracefully. Resolves with the exit code once the server has stopped.
 */
export async function dev(options: DevOptions): Promise<number> {
  const config = resolveServerConfig(options);
  const devConfig = resolveDevConfig(options, config);
  const scope = new WatchScope({
    root: config.root,
    watch: devConfig.watch,
    ignore: devConfig.ignore,
    files: [config.workerScript],
    excluded: [config.stateFile, controlSocketPath(config.stateFile)],
  });
  const report = new DevReport(config.logFormat);
  // A keep-alive connection stays with the worker that accepted it, old code included.
  config.keepAlive = false;
  const supervisor = new Supervisor(config, new Logger(config.logFormat, 'supervisor'));
  await supervisor.start();

  const restarts = new DevRestarts(supervisor, report);
  const watcher = new DevWatcher(scope, devConfig);
  watcher.on('changes', (files) => restarts.request(files));
  watcher.on('error', (error) => report.watcherError(error));
  await watcher.start();
  if (!supervisor.isStopping) report.watching(scope.describe(), devConfig.poll ? POLL_INTERVAL_MS : null);

  const code = await supervisor.finished;
  await watcher.close();
  return code;
}

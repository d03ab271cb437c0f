import { join } from 'node:path';
import { resolveDevConfig, resolveServerConfig } from '../config/config.js';
import type { ServeOptions } from '../config/server-config.js';
import { controlSocketPath } from '../control/control-server.js';
import { DevReport } from './report.js';
import { bootError, DevRestarts } from './restarts.js';
import { WatchScope } from './watch-scope.js';
import { DevWatcher, POLL_INTERVAL_MS } from './watcher.js';
import { readOctaneSettings, type OctaneSettings } from '../laravel/octane-settings.js';
import { Logger } from '../logger.js';
import { Supervisor } from '../supervisor/supervisor.js';

export interface DevOptions extends ServeOptions {
  poll?: boolean;
}

/**
 * `ephpm serve` plus a file watcher: a burst of changes to the app restarts the PHP workers
 * gracefully. Resolves with the exit code once the server has stopped.
 */
export async function dev(options: DevOptions): Promise<number> {
  const config = resolveServerConfig({ ...options, octaneSettings: (root) => octaneSettingsOrWarn(root, options) });
  const devConfig = resolveDevConfig(options, config);
  const configFile = config.configFile ?? join(config.root, 'ephpm.toml');
  const scope = new WatchScope({
    root: config.root,
    watch: devConfig.watch,
    ignore: devConfig.ignore,
    files: [config.workerScript],
    excluded: [config.stateFile, controlSocketPath(config.stateFile)],
    configFile,
  });
  const report = new DevReport(config.logFormat);
  // A keep-alive connection stays with the worker that accepted it, old code included.
  config.keepAlive = false;
  // Code that fails to boot is reported once, here, and shown on a 503 page when nothing else can serve.
  config.devReportsBootErrors = true;
  const supervisor = new Supervisor(config, new Logger(config.logFormat, 'supervisor'));
  const restarts = new DevRestarts(supervisor, report);
  supervisor.reloadCommand = () => restarts.reload();
  await supervisor.start();
  if (supervisor.startupBootError) report.startFailed(bootError(supervisor.startupBootError));

  const configName = scope.display(configFile);
  const watcher = new DevWatcher(scope, devConfig);
  watcher.on('changes', (files) => {
    if (files.includes(configName)) report.configChanged(configName, configError(options));
    const code = files.filter((file) => file !== configName);
    if (code.length > 0) restarts.request(code);
  });
  watcher.on('error', (error) => report.watcherError(error));
  await watcher.start();
  if (!supervisor.isStopping) report.watching(scope.describe(), devConfig.poll ? POLL_INTERVAL_MS : null);

  const code = await supervisor.finished;
  await watcher.close();
  return code;
}

/**
 * A Laravel app's Octane settings; when the app cannot say (it fails to boot in the console), a warning, and the
 * server starts without them: `ephpm dev` serves the boot error until a change fixes it.
 */
function octaneSettingsOrWarn(root: string, options: DevOptions): OctaneSettings | null {
  try {
    return readOctaneSettings(root);
  } catch (error) {
    const message = `${(error as Error).message}\nstarting without the app's Octane tables, cache and ticks; stop and start ephpm dev again once the app boots`;
    new Logger(options.logFormat ?? 'human', 'supervisor').warn(message);
    return null;
  }
}

/** The changed ephpm.toml's first error, if it has one (it applies at the next start). */
function configError(options: DevOptions): string | null {
  try {
    resolveDevConfig(options, resolveServerConfig(options));
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

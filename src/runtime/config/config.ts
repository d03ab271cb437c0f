import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { EphpmError } from '../errors.js';
import {
  boolSetting,
  intSetting,
  logFormatSetting,
  accessLogSetting,
  pathListSetting,
  phpIniSetting,
  seconds,
  sizeSetting,
  stringSetting,
} from './values.js';
import type { LogFormat } from '../logger.js';
import { tlsSetting } from './tls.js';
import { metricsSetting } from '../metrics/metrics-config.js';
import { parseByteSize } from '../sizes.js';
import { parseTableDefinitions, parseTablesJson } from '../tables/table-definitions.js';
import { parseCacheJson, parseCacheSettings, withCacheTable } from '../tables/cache-table.js';
import { isDriverWorker, laravelWorkerScript } from '../laravel/laravel-app.js';
import type { OctaneSettings } from '../laravel/octane-settings.js';
import { clusterSetting } from '../cluster/cluster-config.js';
import { fileOffloadSettings } from '../http/file-offload/offload-settings.js';
import { compressionSetting } from '../http/compression/compression-settings.js';
import type { AccessLogFormat, DevConfig, ServeOptions, ServerConfig } from './server-config.js';
import { findConfigFile, readToml, type TomlShape } from './toml-file.js';

/** The same list as Laravel Octane's `octane.watch`, so a Laravel app restarts on the changes it would. */
export const DEFAULT_DEV_WATCH = [
  'app',
  'bootstrap',
  'config',
  'database',
  'public/**/*.php',
  'resources/**/*.php',
  'routes',
  'composer.lock',
  '.env',
];

export const MAX_TASK_WORKERS = 64;

function appRoot(root: string | undefined, cwd: string): string {
  const dir = resolve(cwd, root ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EphpmError(
      'EPHPM_BAD_ROOT',
      `The root directory ${dir} does not exist.`,
      'Pass --root <dir> pointing at your app.',
    );
  }
  return dir;
}

function stateFileSetting(
  options: Pick<ServeOptions, 'stateFile'>,
  server: Record<string, unknown>,
  root: string,
  cwd: string,
): string {
  return resolve(
    cwd,
    options.stateFile ?? stringSetting(server.state_file, 'server.state_file') ?? join(root, '.ephpm', 'server.json'),
  );
}

/** Where the server for these options keeps its state file (for status, reload, stop). */
export function resolveStateFile(
  options: Pick<ServeOptions, 'root' | 'stateFile' | 'config'>,
  cwd = process.cwd(),
): string {
  const root = appRoot(options.root, cwd);
  const configFile = findConfigFile(options.config, root, cwd);
  return stateFileSetting(options, (configFile ? readToml(configFile) : {}).server ?? {}, root, cwd);
}

/** The embedded PHP's settings for an app: [php] ini overrides and the PHP thread's stack. */
export function readAppConfig(
  options: Pick<ServeOptions, 'root' | 'config'>,
  cwd = process.cwd(),
): Pick<ServerConfig, 'phpIni' | 'phpStackBytes'> {
  const root = appRoot(options.root, cwd);
  const configFile = findConfigFile(options.config, root, cwd);
  return phpSettings(configFile ? readToml(configFile) : {});
}

function phpSettings(toml: TomlShape): Pick<ServerConfig, 'phpIni' | 'phpStackBytes'> {
  return {
    phpIni: phpIniSetting(toml.php),
    phpStackBytes: parseByteSize(sizeSetting(toml.server?.php_stack_size) ?? '64M', 'server.php_stack_size'),
  };
}

/**
 * Defaults ← ephpm.toml ← flags / EPHPM_*, validated. `needsWorker: false`
 * checks everything but the worker script (for `ephpm doctor`).
 */
export function resolveServerConfig(options: ServeOptions, cwd = process.cwd(), needsWorker = true): ServerConfig {
  const root = appRoot(options.root, cwd);
  const configFile = findConfigFile(options.config, root, cwd);
  const toml = configFile ? readToml(configFile) : {};
  const server = toml.server ?? {};
  const setting = (key: string) => server[key];
  const base = configFile ? resolve(configFile, '..') : root;

  const workerSetting = options.worker ?? stringSetting(setting('worker'), 'server.worker');
  if (!workerSetting && !needsWorker)
    return { ...serverSettings(options, toml, root, base, configFile, cwd, NOT_LARAVEL), workerScript: '' };
  if (!workerSetting) {
    // A Laravel app runs on the Octane driver's worker script.
    const laravelWorker = laravelWorkerScript(root);
    if (laravelWorker)
      return {
        ...serverSettings(options, toml, root, base, configFile, cwd, laravelApp(options, root)),
        workerScript: laravelWorker,
      };
    throw new EphpmError(
      'EPHPM_NO_WORKER',
      `No worker script to run in ${root}: it is not a Laravel app (no artisan file) and no worker script is set.`,
      'Pass --worker <script.php> (a loop over \\Ephpm\\Octane\\take_request()), set server.worker in ephpm.toml, or run it in a Laravel app.',
    );
  }
  const workerScript = resolve(options.worker ? cwd : base, workerSetting);
  if (!existsSync(workerScript)) {
    throw new EphpmError(
      'EPHPM_NO_WORKER',
      `The worker script ${workerScript} does not exist.`,
      'Check the --worker path.',
    );
  }

  const app = isDriverWorker(root, workerScript) ? laravelApp(options, root) : NOT_LARAVEL;
  return { ...serverSettings(options, toml, root, base, configFile, cwd, app), workerScript };
}

/** Whether the server runs a Laravel app through the Octane driver, and that app's Octane settings if read. */
interface LaravelRun {
  driver: boolean;
  octane: OctaneSettings | null;
}

const NOT_LARAVEL: LaravelRun = { driver: false, octane: null };

function laravelApp(options: ServeOptions, root: string): LaravelRun {
  return { driver: true, octane: options.octaneSettings?.(root) ?? null };
}

/**
 * Defaults ← the Laravel app's Octane settings (when it runs the driver) ← ephpm.toml ← flags / EPHPM_*.
 */
function serverSettings(
  options: ServeOptions,
  toml: TomlShape,
  root: string,
  base: string,
  configFile: string | null,
  cwd: string,
  app: LaravelRun,
): Omit<ServerConfig, 'workerScript'> {
  const laravel = app.octane;
  const server = toml.server ?? {};
  const setting = (key: string) => server[key];
  const logFormat = options.logFormat ?? logFormatSetting(setting('log_format')) ?? 'human';
  const publicCandidate = join(root, 'public');
  const config: Omit<ServerConfig, 'workerScript'> = {
    host: options.host ?? stringSetting(setting('host'), 'server.host') ?? '127.0.0.1',
    port: options.port ?? intSetting(setting('port'), 'server.port', 0, 65535) ?? 8000,
    workers: options.workers ?? intSetting(setting('workers'), 'server.workers', 1, 256) ?? availableParallelism(),
    maxRequests: options.maxRequests ?? intSetting(setting('max_requests'), 'server.max_requests', 0) ?? 0,
    requestTimeoutMs: seconds(options.requestTimeout, setting('request_timeout'), 'request_timeout', 30),
    queueTimeoutMs: seconds(options.queueTimeout, setting('queue_timeout'), 'queue_timeout', 30),
    handoffMs: seconds(options.handoffAfter, setting('handoff_after'), 'handoff_after', 1),
    parkAfterMs: options.parkAfterMs ?? intSetting(setting('park_after_ms'), 'server.park_after_ms', 0, 60_000) ?? 10,
    sendTimeoutMs: seconds(options.sendTimeout, setting('send_timeout'), 'send_timeout', 60),
    headerTimeoutMs: seconds(options.headerTimeout, setting('header_timeout'), 'header_timeout', 60),
    bodyTimeoutMs: seconds(options.bodyTimeout, setting('body_timeout'), 'body_timeout', 60),
    requestReadTimeoutMs: seconds(
      options.requestReadTimeout,
      setting('request_read_timeout'),
      'request_read_timeout',
      300,
      true,
    ),
    drainTimeoutMs: seconds(options.drainTimeout, setting('drain_timeout'), 'drain_timeout', 30),
    maxMemoryBytes: parseByteSize(
      options.maxMemory ?? sizeSetting(setting('max_memory')) ?? 0,
      'server.max_memory',
      true,
    ),
    maxBodyBytes: parseByteSize(
      options.maxBodySize ?? sizeSetting(setting('max_body_size')) ?? '32M',
      'server.max_body_size',
    ),
    bodyMemoryBytes: parseByteSize(sizeSetting(setting('body_memory_size')) ?? '1M', 'server.body_memory_size'),
    responseMemoryBytes: parseByteSize(
      sizeSetting(setting('response_memory_size')) ?? '1M',
      'server.response_memory_size',
    ),
    responseSpillBytes: parseByteSize(
      sizeSetting(setting('response_spill_size')) ?? '1G',
      'server.response_spill_size',
      true,
    ),
    workerSpillBytes: parseByteSize(
      sizeSetting(setting('worker_spill_size')) ?? '4G',
      'server.worker_spill_size',
      true,
    ),
    queueSize: options.queueSize ?? intSetting(setting('queue_size'), 'server.queue_size', 1) ?? 128,
    root,
    // Octane's `octane.serve_static_files` false: every request goes to PHP, as under Swoole.
    publicDir:
      laravel?.serveStaticFiles !== false && existsSync(publicCandidate) && statSync(publicCandidate).isDirectory()
        ? publicCandidate
        : null,
    publicLinks: laravel?.links ?? [],
    tls: tlsSetting(server.tls, base),
    http2: options.http2 ?? boolSetting(setting('http2'), 'server.http2') ?? true,
    h2c: options.h2c ?? boolSetting(setting('h2c'), 'server.h2c') ?? false,
    ...phpSettings(toml),
    logFormat,
    accessLog: accessLogFormat(options, setting('access_log'), logFormat),
    requestId: options.requestId ?? boolSetting(setting('request_id'), 'server.request_id') ?? true,
    compression: compressionSetting(options, setting),
    earlyHints: options.earlyHints ?? boolSetting(setting('early_hints'), 'server.early_hints') ?? true,
    nativeLane: options.nativeLane ?? boolSetting(setting('native_lane'), 'server.native_lane') ?? true,
    ...fileOffloadSettings(options, server, root),
    keepAlive: true,
    devReportsBootErrors: false,
    stateFile: stateFileSetting(options, server, root, cwd),
    configFile,
    tables: withCacheTable(
      options.tables !== undefined
        ? parseTablesJson(options.tables, 'EPHPM_TABLES (--tables)')
        : toml.tables !== undefined || !laravel
          ? parseTableDefinitions(toml.tables, `${configFile ?? 'ephpm.toml'} [tables]`)
          : parseTableDefinitions(laravel.tables ?? undefined, `config('octane.tables') of ${root}`),
      options.cache !== undefined
        ? parseCacheJson(options.cache, 'EPHPM_CACHE (--cache)')
        : toml.cache !== undefined || !laravel
          ? parseCacheSettings(toml.cache, `${configFile ?? 'ephpm.toml'} [cache]`)
          : parseCacheSettings(laravel.cache ?? undefined, `config('octane.cache') of ${root}`),
    ),
    // A Laravel app gets one task worker per CPU, as Octane's Swoole server does; a plain worker script none.
    taskWorkers: taskWorkersSetting(options.taskWorkers ?? setting('task_workers'), app.driver ? 'auto' : 0),
    taskQueueSize: options.taskQueueSize ?? intSetting(setting('task_queue_size'), 'server.task_queue_size', 0) ?? 256,
    tick: options.tick ?? boolSetting(setting('tick'), 'server.tick') ?? laravel?.tick ?? false,
    metrics: null,
    cluster: null,
  };
  config.metrics = metricsSetting(options.metrics, toml.metrics, configFile ?? 'ephpm.toml', config);
  config.cluster = clusterSetting(options, toml.cluster, configFile ?? 'ephpm.toml', config.tables);
  if (config.maxBodyBytes < config.bodyMemoryBytes) config.bodyMemoryBytes = config.maxBodyBytes;
  if (config.requestReadTimeoutMs > 0 && config.headerTimeoutMs > config.requestReadTimeoutMs) {
    throw new EphpmError(
      'EPHPM_BAD_CONFIG',
      `server.header_timeout (${config.headerTimeoutMs / 1000}s) must not be longer than server.request_read_timeout (${config.requestReadTimeoutMs / 1000}s): the headers are part of the request.`,
    );
  }
  return config;
}

/** `task_workers` / `--task-workers`: a number from 0 to 64, or `auto`, one per CPU. */
function taskWorkersSetting(value: unknown, fallback: number | 'auto'): number {
  const setting = value ?? fallback;
  if (setting === 'auto') return Math.min(availableParallelism(), MAX_TASK_WORKERS);
  return (
    intSetting(
      setting,
      'server.task_workers',
      0,
      MAX_TASK_WORKERS,
      'A number of task worker processes, or "auto" for one per CPU',
    ) ?? 0
  );
}

/** The [dev] section, validated; `poll` from --poll / EPHPM_DEV_POLL wins over the file. */
export function resolveDevConfig(options: { poll?: boolean }, server: Pick<ServerConfig, 'configFile'>): DevConfig {
  const dev = (server.configFile ? readToml(server.configFile) : {}).dev ?? {};
  return {
    watch: pathListSetting(dev.watch, 'dev.watch') ?? [...DEFAULT_DEV_WATCH],
    ignore: pathListSetting(dev.ignore, 'dev.ignore') ?? [],
    debounceMs:
      intSetting(
        dev.debounce_ms,
        'dev.debounce_ms',
        0,
        10_000,
        'Milliseconds without changes before the workers restart, e.g. debounce_ms = 200',
      ) ?? 200,
    poll:
      options.poll ??
      boolSetting(
        dev.poll,
        'dev.poll',
        'poll = true watches by polling (Docker, WSL); leave it out to use file system events',
      ) ??
      false,
  };
}

/** Flags and EPHPM_* first (--no-access-log, --access-log-format), then ephpm.toml; the format follows log_format. */
function accessLogFormat(options: ServeOptions, fromFile: unknown, logFormat: LogFormat): AccessLogFormat | false {
  const file = accessLogSetting(fromFile);
  const on = options.accessLog ?? (file === undefined ? true : file !== false);
  if (!on) return false;
  return options.accessLogFormat ?? (typeof file === 'string' ? file : logFormat === 'json' ? 'json' : 'text');
}

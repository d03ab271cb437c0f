import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { EphpmError } from './errors.js';
import { metricsSetting, type MetricsListen } from './metrics/metrics-config.js';
import { parseByteSize } from './sizes.js';
import { parseTableDefinitions, parseTablesJson, type TableDefinition } from './tables/table-definitions.js';
import { parseCacheJson, parseCacheSettings, withCacheTable } from './tables/cache-table.js';
import { isDriverWorker, laravelWorkerScript } from './laravel/laravel-app.js';
import type { OctaneSettings } from './laravel/octane-settings.js';
import { clusterSetting, type ClusterConfig, type ClusterOptions } from './cluster/cluster-config.js';

export type LogFormat = 'human' | 'json';

/** Everything `ephpm serve` can be told, from flags or EPHPM_* variables. */
export interface ServeOptions extends ClusterOptions {
  host?: string;
  port?: number;
  workers?: number;
  maxRequests?: number;
  worker?: string;
  root?: string;
  config?: string;
  logFormat?: LogFormat;
  accessLog?: boolean;
  requestTimeout?: number;
  maxBodySize?: string;
  queueSize?: number;
  stateFile?: string;
  /** Shared tables as JSON in Octane's format (EPHPM_TABLES); replaces [tables] of ephpm.toml. */
  tables?: string;
  /** The `octane` cache store's table as JSON, Octane's `octane.cache` ({rows, bytes}) (EPHPM_CACHE); replaces [cache]. */
  cache?: string;
  /** `auto`: one per CPU. */
  taskWorkers?: number | 'auto';
  taskQueueSize?: number;
  tick?: boolean;
  /** "host:port" of the Prometheus listener (EPHPM_METRICS); replaces [metrics] listen. */
  metrics?: string;
  /**
   * Reads a Laravel app's Octane settings (tables, cache, tick) when the server runs the Octane driver's worker
   * script; what they set, flags and ephpm.toml have not. `serve` and `dev` pass it; `doctor` does not.
   */
  octaneSettings?: (root: string) => OctaneSettings | null;
}

export interface ServerConfig {
  host: string;
  port: number;
  workers: number;
  /** Requests a worker process serves before it is replaced; 0 = never. */
  maxRequests: number;
  /** How long PHP may take to start answering, from arrival. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
  /** Bodies larger than this are spooled to a temp file instead of memory. */
  bodyMemoryBytes: number;
  /** Requests a worker holds while PHP is busy; beyond that, 503. */
  queueSize: number;
  shutdownTimeoutMs: number;
  workerScript: string;
  root: string;
  publicDir: string | null;
  tls: { cert: string; key: string } | null;
  phpIni: Record<string, string>;
  phpStackBytes: number;
  logFormat: LogFormat;
  accessLog: boolean;
  /** Off in `ephpm dev`: no browser connection stays with a worker that is being replaced. */
  keepAlive: boolean;
  /** On in `ephpm dev`: a PHP boot error is printed once by the dev report, never by the worker too. */
  devReportsBootErrors: boolean;
  stateFile: string;
  configFile: string | null;
  /** Shared-memory tables (Octane's `octane.tables`, plus the cache table from [cache]); see tables.ts. */
  tables: TableDefinition[];
  /** Processes that run Ephpm\Octane\run_tasks() work; 0 = none. */
  taskWorkers: number;
  /** Tasks one task worker holds beyond the one it runs; beyond that, TaskQueueFull. */
  taskQueueSize: number;
  /** Run a tick worker fed once a second. */
  tick: boolean;
  /** Where the supervisor serves /metrics; null = off (the default). */
  metrics: MetricsListen | null;
  /** Cluster mode: tables replicated through Redis; null = off (the default: no Redis, no client loaded). */
  cluster: ClusterConfig | null;
}

interface TomlShape {
  server?: Record<string, unknown> & { tls?: Record<string, unknown> };
  php?: Record<string, unknown>;
  dev?: Record<string, unknown>;
  tables?: unknown;
  cache?: unknown;
  metrics?: unknown;
  cluster?: unknown;
}

/** `ephpm dev`'s file watcher. Paths and globs are relative to the app root. */
export interface DevConfig {
  watch: string[];
  ignore: string[];
  /** Quiet time after the last change before the workers restart: an editor's burst of writes is one restart. */
  debounceMs: number;
  /** Poll instead of file system events (Docker bind mounts, WSL, network drives). */
  poll: boolean;
}

/** The same list as Laravel Octane's `octane.watch`, so a Laravel app restarts on the changes it would. */
export const DEFAULT_DEV_WATCH = ['app', 'bootstrap', 'config', 'database', 'public/**/*.php', 'resources/**/*.php', 'routes', 'composer.lock', '.env'];

export const MAX_TASK_WORKERS = 64;

const SECTIONS = ['server', 'php', 'dev', 'tables', 'cache', 'metrics', 'cluster'];
const DEV_KEYS = ['watch', 'ignore', 'debounce_ms', 'poll'];

const SERVER_KEYS = [
  'host', 'port', 'workers', 'max_requests', 'request_timeout', 'max_body_size', 'body_memory_size',
  'queue_size', 'shutdown_timeout', 'worker', 'root', 'log_format', 'access_log', 'state_file', 'php_stack_size', 'tls',
  'task_workers', 'task_queue_size', 'tick',
];

function appRoot(root: string | undefined, cwd: string): string {
  const dir = resolve(cwd, root ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EphpmError('EPHPM_BAD_ROOT', `The root directory ${dir} does not exist.`, 'Pass --root <dir> pointing at your app.');
  }
  return dir;
}

function stateFileSetting(options: Pick<ServeOptions, 'stateFile'>, server: Record<string, unknown>, root: string, cwd: string): string {
  return resolve(cwd, options.stateFile ?? stringSetting(server.state_file, 'server.state_file') ?? join(root, '.ephpm', 'server.json'));
}

/** Where the server for these options keeps its state file (for status, reload, stop). */
export function resolveStateFile(options: Pick<ServeOptions, 'root' | 'stateFile' | 'config'>, cwd = process.cwd()): string {
  const root = appRoot(options.root, cwd);
  const configFile = findConfigFile(options.config, root, cwd);
  return stateFileSetting(options, (configFile ? readToml(configFile) : {}).server ?? {}, root, cwd);
}

/** The embedded PHP's settings for an app: [php] ini overrides and the PHP thread's stack. */
export function readAppConfig(options: Pick<ServeOptions, 'root' | 'config'>, cwd = process.cwd()): Pick<ServerConfig, 'phpIni' | 'phpStackBytes'> {
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
  if (!workerSetting && !needsWorker) return { ...serverSettings(options, toml, root, base, configFile, cwd, NOT_LARAVEL), workerScript: '' };
  if (!workerSetting) {
    // A Laravel app runs on the Octane driver's worker script.
    const laravelWorker = laravelWorkerScript(root);
    if (laravelWorker) return { ...serverSettings(options, toml, root, base, configFile, cwd, laravelApp(options, root)), workerScript: laravelWorker };
    throw new EphpmError(
      'EPHPM_NO_WORKER',
      `No worker script to run in ${root}: it is not a Laravel app (no artisan file) and no worker script is set.`,
      'Pass --worker <script.php> (a loop over \\Ephpm\\Octane\\take_request()), set server.worker in ephpm.toml, or run it in a Laravel app.',
    );
  }
  const workerScript = resolve(options.worker ? cwd : base, workerSetting);
  if (!existsSync(workerScript)) {
    throw new EphpmError('EPHPM_NO_WORKER', `The worker script ${workerScript} does not exist.`, 'Check the --worker path.');
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
function serverSettings(options: ServeOptions, toml: TomlShape, root: string, base: string, configFile: string | null, cwd: string, app: LaravelRun): Omit<ServerConfig, 'workerScript'> {
  const laravel = app.octane;
  const server = toml.server ?? {};
  const setting = (key: string) => server[key];
  const publicCandidate = join(root, 'public');
  const config: Omit<ServerConfig, 'workerScript'> = {
    host: options.host ?? stringSetting(setting('host'), 'server.host') ?? '127.0.0.1',
    port: options.port ?? intSetting(setting('port'), 'server.port', 0, 65535) ?? 8000,
    workers: options.workers ?? intSetting(setting('workers'), 'server.workers', 1, 256) ?? availableParallelism(),
    maxRequests: options.maxRequests ?? intSetting(setting('max_requests'), 'server.max_requests', 0) ?? 0,
    requestTimeoutMs: 1000 * (options.requestTimeout ?? numberSetting(setting('request_timeout'), 'server.request_timeout') ?? 30),
    maxBodyBytes: parseByteSize(options.maxBodySize ?? sizeSetting(setting('max_body_size')) ?? '32M', 'server.max_body_size'),
    bodyMemoryBytes: parseByteSize(sizeSetting(setting('body_memory_size')) ?? '1M', 'server.body_memory_size'),
    queueSize: options.queueSize ?? intSetting(setting('queue_size'), 'server.queue_size', 1) ?? 128,
    shutdownTimeoutMs: 1000 * (numberSetting(setting('shutdown_timeout'), 'server.shutdown_timeout') ?? 30),
    root,
    publicDir: existsSync(publicCandidate) && statSync(publicCandidate).isDirectory() ? publicCandidate : null,
    tls: tlsSetting(server.tls, base),
    ...phpSettings(toml),
    logFormat: options.logFormat ?? logFormatSetting(setting('log_format')) ?? 'human',
    accessLog: options.accessLog ?? boolSetting(setting('access_log'), 'server.access_log') ?? true,
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
  return config;
}

/** `task_workers` / `--task-workers`: a number from 0 to 64, or `auto`, one per CPU. */
function taskWorkersSetting(value: unknown, fallback: number | 'auto'): number {
  const setting = value ?? fallback;
  if (setting === 'auto') return Math.min(availableParallelism(), MAX_TASK_WORKERS);
  return intSetting(setting, 'server.task_workers', 0, MAX_TASK_WORKERS, 'A number of task worker processes, or "auto" for one per CPU') ?? 0;
}

function findConfigFile(explicit: string | undefined, root: string, cwd: string): string | null {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new EphpmError('EPHPM_BAD_CONFIG', `The config file ${file} does not exist.`);
    return file;
  }
  const file = join(root, 'ephpm.toml');
  return existsSync(file) ? file : null;
}

function readToml(file: string): TomlShape {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new EphpmError('EPHPM_BAD_CONFIG', `${file} is not valid TOML: ${(error as Error).message}`, 'Fix the file, or move it away to use the defaults.');
  }
  const unknownTables = Object.keys(parsed).filter((key) => !SECTIONS.includes(key));
  if (unknownTables.length > 0) {
    throw new EphpmError('EPHPM_BAD_CONFIG', `${file}: unknown section [${unknownTables.join('], [')}]. Known sections: [server], [server.tls], [php], [dev], [tables], [cache], [metrics], [cluster].`);
  }
  const server = (parsed.server ?? {}) as Record<string, unknown>;
  const unknownKeys = Object.keys(server).filter((key) => !SERVER_KEYS.includes(key));
  if (unknownKeys.length > 0) {
    throw new EphpmError('EPHPM_BAD_CONFIG', `${file}: unknown setting server.${unknownKeys.join(', server.')}. Known settings: ${SERVER_KEYS.join(', ')}.`);
  }
  const dev = parsed.dev;
  if (dev !== undefined && (typeof dev !== 'object' || dev === null || Array.isArray(dev))) {
    throw new EphpmError('EPHPM_BAD_CONFIG', `${file}: dev must be a section ([dev]); got ${JSON.stringify(dev)}.`);
  }
  const unknownDevKeys = Object.keys(dev ?? {}).filter((key) => !DEV_KEYS.includes(key));
  if (unknownDevKeys.length > 0) {
    throw new EphpmError('EPHPM_BAD_CONFIG', `${file}: unknown setting dev.${unknownDevKeys.join(', dev.')}. Known settings: ${DEV_KEYS.join(', ')}.`);
  }
  return parsed as TomlShape;
}

/** The [dev] section, validated; `poll` from --poll / EPHPM_DEV_POLL wins over the file. */
export function resolveDevConfig(options: { poll?: boolean }, server: Pick<ServerConfig, 'configFile'>): DevConfig {
  const dev = (server.configFile ? readToml(server.configFile) : {}).dev ?? {};
  return {
    watch: pathListSetting(dev.watch, 'dev.watch') ?? [...DEFAULT_DEV_WATCH],
    ignore: pathListSetting(dev.ignore, 'dev.ignore') ?? [],
    debounceMs: intSetting(dev.debounce_ms, 'dev.debounce_ms', 0, 10_000, 'Milliseconds without changes before the workers restart, e.g. debounce_ms = 200') ?? 200,
    poll: options.poll ?? boolSetting(dev.poll, 'dev.poll', 'poll = true watches by polling (Docker, WSL); leave it out to use file system events') ?? false,
  };
}

function pathListSetting(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string' || entry.trim() === '')) {
    throw bad(key, 'a list of paths or globs relative to the app root', value, `For example: ${key.slice(4)} = ["app", "routes", "resources/**/*.php"]`);
  }
  return (value as string[]).map((entry) => {
    const path = entry.replace(/^\.\//, '').replace(/\/+$/, '');
    if (path.startsWith('!')) {
      throw new EphpmError('EPHPM_BAD_CONFIG', `ephpm.toml: ${key} entry ${JSON.stringify(entry)} is a negated glob.`, 'List what to leave out in dev.ignore instead.');
    }
    if (isAbsolute(path) || path === '..' || path.startsWith('../')) {
      throw new EphpmError('EPHPM_BAD_CONFIG', `ephpm.toml: ${key} entry ${JSON.stringify(entry)} is outside the app root.`, 'Give paths relative to the app root, e.g. "app" or "resources/**/*.php".');
    }
    return path === '' ? '.' : path;
  });
}

function bad(key: string, expected: string, value: unknown, hint?: string): EphpmError {
  return new EphpmError('EPHPM_BAD_CONFIG', `ephpm.toml: ${key} must be ${expected}; got ${JSON.stringify(value)}.`, hint);
}

function stringSetting(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(key, 'a non-empty string', value);
  return value;
}

function intSetting(value: unknown, key: string, min: number, max = Number.MAX_SAFE_INTEGER, hint?: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(key, `a whole number from ${min} to ${max}`, value, hint);
  }
  return value;
}

function numberSetting(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0)) throw bad(key, 'a positive number of seconds', value);
  return value;
}

function boolSetting(value: unknown, key: string, hint?: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(key, 'true or false', value, hint);
  return value;
}

function sizeSetting(value: unknown): string | number | undefined {
  return value === undefined ? undefined : (value as string | number);
}

function logFormatSetting(value: unknown): LogFormat | undefined {
  if (value === undefined) return undefined;
  if (value !== 'human' && value !== 'json') throw bad('server.log_format', '"human" or "json"', value);
  return value;
}

function tlsSetting(value: Record<string, unknown> | undefined, base: string): ServerConfig['tls'] {
  if (value === undefined) return null;
  const cert = stringSetting(value.cert, 'server.tls.cert');
  const key = stringSetting(value.key, 'server.tls.key');
  if (!cert || !key) throw bad('server.tls', 'a table with both cert and key file paths', value);
  const paths = { cert: isAbsolute(cert) ? cert : join(base, cert), key: isAbsolute(key) ? key : join(base, key) };
  for (const [name, path] of Object.entries(paths)) {
    if (!existsSync(path)) throw new EphpmError('EPHPM_BAD_CONFIG', `ephpm.toml: server.tls.${name} file ${path} does not exist.`);
  }
  return paths;
}

function phpIniSetting(value: Record<string, unknown> | undefined): Record<string, string> {
  const ini: Record<string, string> = {};
  for (const [key, setting] of Object.entries(value ?? {})) {
    if (!/^[A-Za-z0-9_.]+$/.test(key)) throw bad(`php.${key}`, 'an ini directive name', key);
    if (typeof setting === 'boolean') ini[key] = setting ? '1' : '0';
    else if (typeof setting === 'number' || typeof setting === 'string') {
      if (/[\r\n]/.test(String(setting))) throw bad(`php.${key}`, 'a single-line value', setting);
      ini[key] = String(setting);
    } else throw bad(`php.${key}`, 'a string, number or boolean', setting);
  }
  return ini;
}

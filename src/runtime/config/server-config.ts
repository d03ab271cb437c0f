// The server's settings as types: what `ephpm serve` can be told (flags, EPHPM_*) and what config.ts resolves from
// it, ephpm.toml and the defaults.
import type { ClusterConfig, ClusterOptions } from '../cluster/cluster-config.js';
import type { DeclaredLink, OctaneSettings } from '../laravel/octane-settings.js';
import type { LogFormat } from '../logger.js';
import type { MetricsListen } from '../metrics/metrics-config.js';
import type { TableDefinition } from '../tables/table-definitions.js';
import type { TlsFiles } from './tls.js';
import type { FileOffloadOptions, FileOffloadSettings } from '../http/file-offload/offload-settings.js';
import type { CompressionOptions, CompressionSettings } from '../http/compression/compression-settings.js';

export type AccessLogFormat = 'text' | 'json';

/** Everything `ephpm serve` can be told, from flags or EPHPM_* variables. */
export interface ServeOptions extends ClusterOptions, FileOffloadOptions, CompressionOptions {
  host?: string;
  port?: number;
  workers?: number;
  maxRequests?: number;
  worker?: string;
  root?: string;
  config?: string;
  logFormat?: LogFormat;
  accessLog?: boolean;
  /** The access log's format (EPHPM_ACCESS_LOG_FORMAT); without it, the log format's. */
  accessLogFormat?: 'text' | 'json';
  requestId?: boolean;
  earlyHints?: boolean;
  /** The PHP thread reads plain keep-alive requests itself (EPHPM_NATIVE_LANE). */
  nativeLane?: boolean;
  /** HTTP/2 over TLS, by ALPN (EPHPM_HTTP2). */
  http2?: boolean;
  /** Cleartext HTTP/2 with prior knowledge on the plain port (EPHPM_H2C). */
  h2c?: boolean;
  requestTimeout?: number;
  queueTimeout?: number;
  handoffAfter?: number;
  parkAfterMs?: number;
  sendTimeout?: number;
  headerTimeout?: number;
  bodyTimeout?: number;
  requestReadTimeout?: number;
  drainTimeout?: number;
  maxMemory?: string;
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

export interface ServerConfig extends FileOffloadSettings {
  host: string;
  port: number;
  workers: number;
  /** Requests a worker process serves before it is replaced; 0 = never. */
  maxRequests: number;
  /** How long PHP may take to start answering, from when PHP took the request (queue time not counted). */
  requestTimeoutMs: number;
  /** How long a request may wait for PHP to take it; 503 after that, nothing is replaced. */
  queueTimeoutMs: number;
  /** PHP has run one request this long: the connections whose next request waits unread go to another worker. */
  handoffMs: number;
  /** PHP has run one request this long: the worker stops reading its connections until PHP is free (0: always; http/read-gate.ts). */
  parkAfterMs: number;
  /** A response's client may take nothing for this long before the connection is dropped (nginx send_timeout). */
  sendTimeoutMs: number;
  /** The request line and headers must arrive within this (Node's headersTimeout); 408 after. */
  headerTimeoutMs: number;
  /** The body may pause this long between two reads (nginx client_body_timeout); 408 after. */
  bodyTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this (Node's requestTimeout); 0 = no limit. */
  requestReadTimeoutMs: number;
  /** A draining worker (stop, reload, recycling) still running after this is killed. */
  drainTimeoutMs: number;
  /** A worker whose RSS passes this is replaced after its current requests; 0 = never. */
  maxMemoryBytes: number;
  maxBodyBytes: number;
  /** Bodies larger than this are spooled to a temp file instead of memory. */
  bodyMemoryBytes: number;
  /** A response's bytes a slow client has not taken, beyond this, wait in a temp file instead of memory. */
  responseMemoryBytes: number;
  /** A streamed response's temp file holds at most this; past it PHP waits for its client (nginx's fastcgi_max_temp_file_size); 0 = off. */
  responseSpillBytes: number;
  /** The temp files of one worker's streamed responses together hold at most this; past it, as past responseSpillBytes. */
  workerSpillBytes: number;
  /** Requests a worker holds while PHP is busy; beyond that, 503. */
  queueSize: number;
  workerScript: string;
  root: string;
  publicDir: string | null;
  /** Symlinks the Laravel app declares (`filesystems.links`): the only ones under public/ served though they leave it. */
  publicLinks: DeclaredLink[];
  tls: TlsFiles | null;
  /** With TLS, HTTP/2 is offered by ALPN beside HTTP/1.1 (on by default). */
  http2: boolean;
  /** Without TLS, a connection that opens with HTTP/2's preface speaks HTTP/2 (h2c; off by default, for behind a proxy). */
  h2c: boolean;
  phpIni: Record<string, string>;
  phpStackBytes: number;
  logFormat: LogFormat;
  /** A line per request, as text or as JSON (docs/ARCHITECTURE.md, "Access log and request ids"); false: none. */
  accessLog: AccessLogFormat | false;
  /** Each request carries an X-Request-Id (the client's, if valid, else a new one) to PHP, the log and the response. */
  requestId: boolean;
  /** Between requests, a plain keep-alive connection whose answer PHP wrote itself is read by the PHP thread
   * (docs/ARCHITECTURE.md, "The native lane"). */
  nativeLane: boolean;
  /** Responses compressed as the client accepts (br, gzip; zstd where Node has it); null = off. */
  compression: CompressionSettings | null;
  /** Each page's preload Link headers are sent as a 103 before PHP runs, learned from its last 200 (early-hints.ts). */
  earlyHints: boolean;
  /** Off in `ephpm dev`: no browser connection stays with a worker that is being replaced. */
  keepAlive: boolean;
  /** On in `ephpm dev`: a PHP boot error is printed once by the dev report, never by the worker too. */
  devReportsBootErrors: boolean;
  stateFile: string;
  configFile: string | null;
  /** Shared-memory tables (Octane's `octane.tables`, plus the cache table from [cache]); see tables.ts. */
  tables: TableDefinition[];
  /** The segment holding them, named by the supervisor when it creates it (workers map it by this name). */
  tablesSegment?: string;
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

/** `ephpm dev`'s file watcher. Paths and globs are relative to the app root. */
export interface DevConfig {
  watch: string[];
  ignore: string[];
  /** Quiet time after the last change before the workers restart: an editor's burst of writes is one restart. */
  debounceMs: number;
  /** Poll instead of file system events (Docker bind mounts, WSL, network drives). */
  poll: boolean;
}

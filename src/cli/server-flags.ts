import { Flags, type Interfaces } from '@oclif/core';
import { MAX_TASK_WORKERS } from '../runtime/config/config.js';
import type { ServeOptions } from '../runtime/config/server-config.js';
import type { ServerLocation } from '../runtime/control/commands.js';

/** How commands that talk to a running server find it. */
export const serverLocationFlags = {
  root: Flags.string({ description: 'App directory the server runs (default: current directory)', env: 'EPHPM_ROOT' }),
  'state-file': Flags.string({
    description: 'State file of the running server (default: <root>/.ephpm/server.json)',
    env: 'EPHPM_STATE_FILE',
  }),
  config: Flags.string({ description: 'Path to ephpm.toml (read for server.state_file)', env: 'EPHPM_CONFIG' }),
};

/** The server the location flags point at. */
export function serverLocation(flags: Interfaces.InferredFlags<typeof serverLocationFlags>): ServerLocation {
  return { root: flags.root, stateFile: flags['state-file'], config: flags.config };
}

/** A number of task workers from 0 to 64, or `auto` (one per CPU). */
const taskWorkersFlag = Flags.custom<number | 'auto'>({
  parse: async (input) => {
    if (input === 'auto') return 'auto';
    const count = Number(input);
    if (!/^\d+$/.test(input) || count > MAX_TASK_WORKERS)
      throw new Error(`Expected a number from 0 to ${MAX_TASK_WORKERS}, or auto (one per CPU), but received: ${input}`);
    return count;
  },
});

/** Everything that runs a server (`ephpm serve`, `ephpm dev`). */
export const serveFlags = {
  host: Flags.string({ description: 'Address to listen on', env: 'EPHPM_HOST' }),
  port: Flags.integer({ description: 'Port to listen on (0 = any free port)', env: 'EPHPM_PORT', min: 0, max: 65535 }),
  workers: Flags.integer({ description: 'Worker processes (default: number of CPUs)', env: 'EPHPM_WORKERS', min: 1 }),
  'max-requests': Flags.integer({
    description: 'Replace a worker process after it served this many requests (0 = never)',
    env: 'EPHPM_MAX_REQUESTS',
    min: 0,
  }),
  worker: Flags.string({
    description: 'PHP worker script: a loop over \\Ephpm\\Octane\\take_request()',
    env: 'EPHPM_WORKER',
  }),
  root: Flags.string({
    description: 'App directory; static files are served from its public/ folder',
    env: 'EPHPM_ROOT',
  }),
  config: Flags.string({ description: 'Path to ephpm.toml (default: <root>/ephpm.toml)', env: 'EPHPM_CONFIG' }),
  'max-memory': Flags.string({
    description:
      'Replace a worker process, after its current requests, once its RSS passes this, e.g. 512M (0 = never)',
    env: 'EPHPM_MAX_MEMORY',
  }),
  'request-timeout': Flags.integer({
    description: 'Seconds PHP may take to start answering once it took the request (504, the worker is replaced)',
    env: 'EPHPM_REQUEST_TIMEOUT',
    min: 1,
  }),
  'queue-timeout': Flags.integer({
    description: 'Seconds a request may wait for a busy PHP (503 after that, default 30)',
    env: 'EPHPM_QUEUE_TIMEOUT',
    min: 1,
  }),
  'handoff-after': Flags.integer({
    description:
      'Seconds PHP may run one request before the requests waiting behind it go to another worker (default 1)',
    env: 'EPHPM_HANDOFF_AFTER',
    min: 1,
  }),
  'park-after-ms': Flags.integer({
    description:
      'Once PHP has run one request this long, requests waiting for it stay unread, where another worker can take them (default 10; 0: always)',
    env: 'EPHPM_PARK_AFTER_MS',
    min: 0,
  }),
  'send-timeout': Flags.integer({
    description: 'Seconds a client may read none of its response before it is dropped (default 60)',
    env: 'EPHPM_SEND_TIMEOUT',
    min: 1,
  }),
  'header-timeout': Flags.integer({
    description: 'Seconds a client has to send the request headers (408 after that, default 60)',
    env: 'EPHPM_HEADER_TIMEOUT',
    min: 1,
  }),
  'body-timeout': Flags.integer({
    description: 'Seconds a request body may pause between two reads (408 after that, default 60)',
    env: 'EPHPM_BODY_TIMEOUT',
    min: 1,
  }),
  'request-read-timeout': Flags.integer({
    description:
      'Seconds a client has to send a whole request, body included (408 after that; default 300, 0 = no limit)',
    env: 'EPHPM_REQUEST_READ_TIMEOUT',
    min: 0,
  }),
  'drain-timeout': Flags.integer({
    description: 'Seconds a draining worker (stop, reload, recycling) may take before it is killed (default 30)',
    env: 'EPHPM_DRAIN_TIMEOUT',
    min: 1,
  }),
  'max-body-size': Flags.string({
    description: 'Largest request body accepted, e.g. 32M (413 above)',
    env: 'EPHPM_MAX_BODY_SIZE',
  }),
  'queue-size': Flags.integer({
    description: 'Requests a worker queues while PHP is busy (503 above)',
    env: 'EPHPM_QUEUE_SIZE',
    min: 1,
  }),
  'state-file': Flags.string({
    description: 'Where the running server records its pids, host and port',
    env: 'EPHPM_STATE_FILE',
  }),
  'log-format': Flags.string({
    description: 'Log lines for humans or one JSON object per line',
    env: 'EPHPM_LOG_FORMAT',
    options: ['human', 'json'],
  }),
  'access-log': Flags.boolean({
    description: 'Log every request (--no-access-log to turn off)',
    allowNo: true,
    env: 'EPHPM_ACCESS_LOG',
  }),
  'access-log-format': Flags.string({
    description: 'The access log as text lines or one JSON object per line (default: as --log-format)',
    env: 'EPHPM_ACCESS_LOG_FORMAT',
    options: ['text', 'json'],
  }),
  'request-id': Flags.boolean({
    description:
      "Give each request an X-Request-Id (the client's if valid, else a new one), to PHP, the log and the response (--no-request-id to turn off)",
    allowNo: true,
    env: 'EPHPM_REQUEST_ID',
  }),
  'native-lane': Flags.boolean({
    description:
      'Let the PHP thread read the next plain keep-alive request itself once PHP wrote the answer before it (--no-native-lane to turn off)',
    allowNo: true,
    env: 'EPHPM_NATIVE_LANE',
  }),
  compression: Flags.boolean({
    description:
      'Compress responses as the client accepts (br, gzip; zstd where Node has it) (--no-compression to turn off)',
    allowNo: true,
    env: 'EPHPM_COMPRESSION',
  }),
  'compression-min-size': Flags.string({
    description: 'Complete responses and static files smaller than this are sent uncompressed (default: 1K)',
    env: 'EPHPM_COMPRESSION_MIN_SIZE',
  }),
  'early-hints': Flags.boolean({
    description:
      "Send a page's preload Link headers as a 103 Early Hints before PHP runs, learned from its last 200 HTML response (--no-early-hints to turn off)",
    allowNo: true,
    env: 'EPHPM_EARLY_HINTS',
  }),
  'file-offload': Flags.boolean({
    description:
      'Send downloads (response()->download(), ->file()) and X-Sendfile / X-Accel-Redirect files from Node, PHP free at once (--no-file-offload to turn off)',
    allowNo: true,
    env: 'EPHPM_FILE_OFFLOAD',
  }),
  'offload-dirs': Flags.string({
    description:
      'Directories an X-Sendfile / X-Accel-Redirect file must lie in, comma-separated, relative to the app root (default: storage/app)',
    env: 'EPHPM_OFFLOAD_DIRS',
  }),
  http2: Flags.boolean({
    description: 'With TLS, offer HTTP/2 by ALPN beside HTTP/1.1 on the same port (--no-http2: HTTP/1.1 only)',
    allowNo: true,
    env: 'EPHPM_HTTP2',
  }),
  h2c: Flags.boolean({
    description:
      'Without TLS, serve HTTP/2 to clients that open with its preface (prior knowledge), e.g. behind a proxy (default: off)',
    allowNo: true,
    env: 'EPHPM_H2C',
  }),
  'task-workers': taskWorkersFlag({
    description:
      'Task worker processes for Octane::concurrently() / Ephpm\\Octane\\run_tasks(), or auto: one per CPU (default: auto for a Laravel app, else 0)',
    env: 'EPHPM_TASK_WORKERS',
  }),
  'task-queue-size': Flags.integer({
    description: 'Tasks a busy task worker holds before TaskQueueFull (default: 256)',
    env: 'EPHPM_TASK_QUEUE_SIZE',
    min: 0,
  }),
  tick: Flags.boolean({
    description: 'Run a tick worker fed by Ephpm\\Octane\\take_tick() once a second (--no-tick to turn off)',
    allowNo: true,
    env: 'EPHPM_TICK',
  }),
  tables: Flags.string({
    description: 'Shared tables as JSON in Octane\'s format, e.g. {"users:1000":{"name":"string:64","votes":"int"}}',
    env: 'EPHPM_TABLES',
  }),
  metrics: Flags.string({
    description: 'Serve Prometheus metrics at http://<host:port>/metrics, e.g. 127.0.0.1:9400 (default: off)',
    env: 'EPHPM_METRICS',
  }),
  cache: Flags.string({
    description: 'The octane cache store\'s table as JSON, like Octane\'s octane.cache: {"rows":1000,"bytes":10000}',
    env: 'EPHPM_CACHE',
  }),
  'cluster-redis': Flags.string({
    description:
      'Cluster mode: replicate the tables through this Redis, e.g. redis://10.0.0.5:6379 (replaces [cluster] redis)',
    env: 'EPHPM_CLUSTER_REDIS',
  }),
  'cluster-node': Flags.string({
    description: "Cluster mode: this node's id (default: <hostname>:<port>)",
    env: 'EPHPM_CLUSTER_NODE',
  }),
};

export function serveOptions(flags: Interfaces.InferredFlags<typeof serveFlags>): ServeOptions {
  return {
    host: flags.host,
    port: flags.port,
    workers: flags.workers,
    maxRequests: flags['max-requests'],
    worker: flags.worker,
    root: flags.root,
    config: flags.config,
    maxMemory: flags['max-memory'],
    requestTimeout: flags['request-timeout'],
    queueTimeout: flags['queue-timeout'],
    handoffAfter: flags['handoff-after'],
    parkAfterMs: flags['park-after-ms'],
    sendTimeout: flags['send-timeout'],
    headerTimeout: flags['header-timeout'],
    bodyTimeout: flags['body-timeout'],
    requestReadTimeout: flags['request-read-timeout'],
    drainTimeout: flags['drain-timeout'],
    maxBodySize: flags['max-body-size'],
    queueSize: flags['queue-size'],
    stateFile: flags['state-file'],
    logFormat: flags['log-format'] as ServeOptions['logFormat'],
    accessLog: flags['access-log'],
    accessLogFormat: flags['access-log-format'] as ServeOptions['accessLogFormat'],
    requestId: flags['request-id'],
    nativeLane: flags['native-lane'],
    compression: flags.compression,
    compressionMinSize: flags['compression-min-size'],
    earlyHints: flags['early-hints'],
    fileOffload: flags['file-offload'],
    offloadDirs: flags['offload-dirs'],
    http2: flags.http2,
    h2c: flags.h2c,
    tables: flags.tables,
    cache: flags.cache,
    taskWorkers: flags['task-workers'],
    taskQueueSize: flags['task-queue-size'],
    tick: flags.tick,
    metrics: flags.metrics,
    clusterRedis: flags['cluster-redis'],
    clusterNode: flags['cluster-node'],
  };
}

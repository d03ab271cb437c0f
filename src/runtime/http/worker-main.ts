// Entry point of a worker process (forked by the supervisor): embedded PHP
// plus the HTTP front, serving the connections the supervisor hands it.
import { join } from 'node:path';
import { isEphpmError } from '../errors.js';
import { Logger } from '../logger.js';
import { nativePhp } from '../native/php-face.js';
import { nativeConnectionState, nativeScheduling } from '../native/process-face.js';
import { BootLog } from '../php/boot-log.js';
import { EmbeddedPhp } from '../php/embedded-php.js';
import {
  bootFailure,
  drainDeadline,
  exitNow,
  exitWithBootFailure,
  followSupervisor,
  tellSupervisor,
  workerConfig,
} from '../ipc/child-side.js';
import type { DrainMode, WorkerMessage } from '../ipc/process-messages.js';
import { attachTables } from '../tables/tables.js';
import { attachOutbox } from '../cluster/outbox.js';
import { BootErrorPage } from './boot-error-page.js';
import { HandedConnections } from './handed-connections.js';
import { HttpFront } from './http-front.js';
import { checkNodeInternals } from './node-internals.js';
import type { PhpResponder } from './php-responder.js';
import { IdleMemory } from './idle-memory.js';
import { Recycling } from './recycling.js';
import { BOOT_ERROR_PAGE_ENV, REQUEST_JOURNAL_ENV } from '../ipc/worker-env.js';
import { removeTempDir } from './temp-files.js';
import { giveTokenToPhp } from './file-offload/file-offload.js';
import { hasZstd } from './compression/encoders.js';

const config = workerConfig();
const logger = new Logger(config.logFormat);
const tell = (message: WorkerMessage) => tellSupervisor(message);
const connections = new HandedConnections();

let php: EmbeddedPhp<PhpResponder> | null = null;
let front: HttpFront | null = null;
let listening: Promise<void> | null = null;
let errorPage: BootErrorPage | null = null;
let recycling: Recycling | null = null;
const idleMemory = new IdleMemory();
let leaving = false;
const bootLog = new BootLog((message, fromOutput) => logger.php(message, fromOutput), config.devReportsBootErrors);

async function boot(): Promise<void> {
  // Writes to replicated tables go into the cluster's outbox.
  if (attachTables(config) && config.cluster) attachOutbox(config.cluster);
  const offloadToken = giveTokenToPhp(config.fileOffload);
  php = new EmbeddedPhp<PhpResponder>(nativePhp());
  php.on('log', (message, fromOutput) => bootLog.line(message, fromOutput));
  php.start({
    script: config.workerScript,
    ini: config.phpIni,
    stackBytes: config.phpStackBytes,
    documentRoot: config.publicDir ?? join(config.root, 'public'),
    responseMemoryBytes: config.responseMemoryBytes,
    journalPath: process.env[REQUEST_JOURNAL_ENV] || undefined,
    echoRequestId: config.requestId,
    nativeLane: config.nativeLane && !config.tls,
    nativeLaneLog: config.accessLog !== false,
    nativeLaneCompressFrom: config.compression?.minBytes ?? -1,
    nativeLaneZstd: hasZstd,
  });
  await php.waitUntilReady();
  bootLog.booted();
  if (leaving) return; // told to leave while PHP booted: never start serving
  php.on('script-error', (message) => logger.error(`the worker script stopped and failed to restart: ${message}`));
  const missingInternals = await checkNodeInternals();
  if (missingInternals.length > 0) {
    logger.warn(
      `Node ${process.version} lacks ${missingInternals.join(', ')}: PHP's direct writes are off, every response goes through Node (correct, slower).`,
    );
  }
  front = new HttpFront(
    config,
    php,
    logger,
    {
      served: (total) => {
        recycling?.served(total);
        idleMemory.served(total);
      },
      stuck: () => void leaveStuck(),
      tick: () => {
        recycling?.tick();
        idleMemory.tick();
      },
    },
    { directWrites: missingInternals.length === 0, connectionState: nativeConnectionState(), offloadToken },
  );
  listening = front.serve(connections);
  await listening;
  if (leaving) return;
  const notBatch = nativeScheduling().batchScheduling();
  if (notBatch)
    logger.warn(
      `worker ${process.pid}: its main thread keeps the default scheduling policy (SCHED_BATCH refused: ${notBatch}); correct, a little slower under load`,
    );
  recycling = new Recycling(config, process.uptime(), {
    replaceMe: (reason, rssBytes) => tell({ type: 'recycle', reason, rssBytes }),
    handOver: () => void leaveGracefully('handover'),
  });
  tell({ type: 'ready' });
}

/** Finish what was accepted, shut PHP down cleanly, exit 0. */
async function leaveGracefully(mode: DrainMode): Promise<void> {
  if (leaving) return;
  leaving = true;
  drainDeadline(config.drainTimeoutMs, logger);
  if (listening) await listening.catch(() => undefined);
  const drained = front?.drain(mode) ?? errorPage?.close();
  // drain() refuses new connections before it first waits, so this is already true.
  tell({ type: 'draining' });
  await drained;
  reportStats();
  await php?.stop();
  removeTempDir();
  process.exit(0);
}

/** PHP is stuck in a request: answer what is waiting, then go; the supervisor starts a fresh process. */
async function leaveStuck(): Promise<void> {
  if (leaving) return;
  leaving = true;
  drainDeadline(config.drainTimeoutMs, logger);
  logger.warn(
    `worker ${process.pid}: PHP did not answer within ${config.requestTimeoutMs / 1000}s; replacing this worker process`,
  );
  tell({ type: 'recycle', reason: 'timeout' });
  front?.handBackParked();
  front?.failPending('503 Service Unavailable: this worker is restarting, retry shortly.\n');
  await front?.drain('shutdown');
  removeTempDir();
  exitNow();
}

const reportStats = () =>
  tell({
    type: 'stats',
    stats: {
      requests: front?.served ?? 0,
      inFlight: front?.inFlight ?? 0,
      connections: connections.openCount,
      rssBytes: process.memoryUsage.rss(),
      counters: front?.counters.counters(),
    },
  });

followSupervisor({
  leave: (mode) => void leaveGracefully(mode),
  reportStats,
  replacementReady: () => recycling?.replacementServes(),
});

boot().catch(async (error: unknown) => {
  const message = bootFailure(error);
  bootLog.failed(message.message);
  if (
    !leaving &&
    process.env[BOOT_ERROR_PAGE_ENV] === '1' &&
    isEphpmError(error) &&
    error.code === 'EPHPM_WORKER_BOOT'
  ) {
    // ephpm dev with no good code to fall back on: stay, and show the error instead of PHP.
    void php?.stop();
    errorPage = BootErrorPage.serve(config, message.message, connections);
    return tell({ ...message, showing: true });
  }
  leaving = true;
  exitWithBootFailure(message);
});

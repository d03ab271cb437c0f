import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerStatus } from './server-status.js';
import type { Logger } from '../logger.js';
import { packageRoot } from '../native/addon.js';
import { nativePhp } from '../native/php-face.js';
import { nativeTables } from '../native/tables-face.js';
import { BUCKET_BOUNDS_SECONDS } from './histogram.js';
import { CounterLedger } from './ledger.js';
import type { MetricsListen } from './metrics-config.js';
import { MetricsServer } from './metrics-server.js';
import { emptyRequestCounters, type RequestCounters } from './request-counters.js';
import { RestartCounts } from './restarts.js';
import type { MetricsSnapshot, TableUsage } from './snapshot.js';
import type { TaskCounters } from './task-counters.js';

/** What the supervisor's metrics take of the server's settings. */
export interface MetricsSettings {
  metrics: MetricsListen | null;
  queueSize: number;
  taskQueueSize: number;
}

/**
 * The supervisor's part of the metrics: request counters of gone workers, restarts by reason, the
 * /metrics listener, and the snapshot that `ephpm top` and a scrape read.
 */
export class ServerMetrics {
  readonly http = new CounterLedger<RequestCounters>(emptyRequestCounters);
  readonly restarts = new RestartCounts();
  private server: MetricsServer | null = null;
  private versions: MetricsSnapshot['versions'] | null = null;

  constructor(
    private readonly config: MetricsSettings,
    private readonly logger: Logger,
  ) {}

  /** Starts the /metrics listener when one is configured. */
  async listen(snapshot: () => Promise<MetricsSnapshot>): Promise<void> {
    if (!this.config.metrics) return;
    this.server = await MetricsServer.listen(this.config.metrics, snapshot);
    this.logger.info(`metrics on ${this.server.url}`, { metrics: this.server.url });
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  snapshot(
    status: ServerStatus,
    liveHttp: Array<RequestCounters | undefined>,
    tasks: TaskCounters,
    tableSegment: string | null,
  ): MetricsSnapshot {
    return {
      takenAt: Date.now(),
      status,
      metricsUrl: this.server?.url ?? null,
      versions: (this.versions ??= versions()),
      queueSize: this.config.queueSize,
      taskQueueSize: this.config.taskQueueSize,
      bucketBoundsSeconds: BUCKET_BOUNDS_SECONDS,
      http: this.http.total(liveHttp),
      tasks,
      restarts: this.restarts.list(),
      tables: tableSegment ? tableUsage(tableSegment) : [],
    };
  }
}

function versions(): MetricsSnapshot['versions'] {
  const ephpm = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  let php: string | null = null;
  try {
    php = nativePhp().buildInfo().phpVersion;
  } catch {
    // No addon here: the workers report the failure.
  }
  return { ephpm, node: process.versions.node, php };
}

function tableUsage(segment: string): TableUsage[] {
  const info = nativeTables().tablesInspect(segment);
  return (info?.tables ?? []).map((table) => ({ name: table.name, rows: table.used, capacity: table.rows }));
}

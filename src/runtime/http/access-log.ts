import type { Logger as Pino } from 'pino';
import type { AccessLogFormat } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { onFirstUse } from './on-first-use.js';

const loadPino = onFirstUse<typeof import('pino')>('pino');

/** One answered request, as the access log and a log pipeline read it. */
export interface AccessEntry {
  method: string;
  path: string;
  status: number;
  /** Body bytes of the response (as nginx's $body_bytes_sent). */
  bytes: number;
  durationMs: number;
  remoteAddress: string;
  userAgent: string;
  /** '' when request ids are off. */
  requestId: string;
}

/**
 * The access log: the text line of the worker's log (status, method, path, ms), or one JSON object per line through
 * pino (fastify's logger): `level: "info"`, `time`, `type: "request"`, `worker` (pid), `method`, `url` (the path and query),
 * `statusCode`, `duration` (ms), `bytes`, `remoteAddress`, `userAgent`, `requestId`.
 */
export class AccessLog {
  private readonly json: Pino | null;

  constructor(
    private readonly format: AccessLogFormat | false,
    private readonly logger: Logger,
  ) {
    const pino = format === 'json' ? loadPino().pino : null;
    this.json = pino
      ? pino(
          // The fields the worker's other JSON lines have (type, time, worker), and pino's level as a word.
          {
            base: null,
            timestamp: pino.stdTimeFunctions.isoTime,
            formatters: { level: (label) => ({ level: label }) },
          },
          // Synchronous, as the worker's other log lines: a line is out before the worker may exit.
          pino.destination({ fd: 1, sync: true }),
        )
      : null;
  }

  write(entry: AccessEntry): void {
    if (this.format === false) return;
    if (this.json) {
      this.json.info({
        type: 'request',
        worker: process.pid,
        method: entry.method,
        url: entry.path,
        statusCode: entry.status,
        duration: Math.round(entry.durationMs * 1000) / 1000,
        bytes: entry.bytes,
        remoteAddress: entry.remoteAddress,
        userAgent: entry.userAgent,
        ...(entry.requestId ? { requestId: entry.requestId } : {}),
      });
      return;
    }
    this.logger.request(entry.method, entry.path, entry.status, entry.durationMs);
  }
}

import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { EphpmError } from '../errors.js';

export interface RequestBody {
  /** Small bodies, in memory. */
  buffer: Buffer | null;
  /** Large bodies, spooled to disk as they arrive; removed after the response. */
  file: string | null;
  size: number;
}

export const EMPTY_BODY: RequestBody = { buffer: null, file: null, size: 0 };

const spoolDir = join(tmpdir(), `ephpm-bodies-${process.pid}`);

export function bodyTooLarge(limit: number): EphpmError {
  return new EphpmError('EPHPM_BODY_TOO_LARGE', `The request body is larger than the server's limit of ${limit} bytes.`, 'Raise server.max_body_size in ephpm.toml (or --max-body-size).');
}

export function hasRequestBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads a request body: up to `memoryLimit` bytes stay in memory; a larger
 * body goes to a temp file chunk by chunk, so it is never held in memory whole.
 * Rejects with EPHPM_BODY_TOO_LARGE past `maxBytes` (announced or actual).
 */
export async function readRequestBody(request: IncomingMessage, maxBytes: number, memoryLimit: number): Promise<RequestBody> {
  const announced = Number(request.headers['content-length'] ?? -1);
  if (announced > maxBytes) throw bodyTooLarge(maxBytes);
  if (!hasRequestBody(request)) return EMPTY_BODY;

  const chunks: Buffer[] = [];
  let size = 0;
  let file: string | null = null;
  let spool: ReturnType<typeof createWriteStream> | null = null;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw bodyTooLarge(maxBytes);
      if (!spool && size > memoryLimit) {
        mkdirSync(spoolDir, { recursive: true });
        file = join(spoolDir, randomBytes(12).toString('hex'));
        spool = createWriteStream(file, { mode: 0o600 });
        for (const earlier of chunks) spool.write(earlier);
        chunks.length = 0;
      }
      if (spool) {
        if (!spool.write(chunk)) await once(spool, 'drain');
      } else chunks.push(chunk);
    }
    if (spool) {
      spool.end();
      await once(spool, 'finish');
      return { buffer: null, file, size };
    }
  } catch (error) {
    spool?.destroy();
    if (file) removeSpooledBody(file);
    throw error;
  }
  return size === 0 ? EMPTY_BODY : { buffer: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), file: null, size };
}

export function removeSpooledBody(file: string | null): void {
  if (file) rmSync(file, { force: true });
}

export function removeSpoolDir(): void {
  rmSync(spoolDir, { recursive: true, force: true });
}

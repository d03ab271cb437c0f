import type { IncomingMessage } from 'node:http';
import { BodySpool } from './body-spool.js';
import { http2HasBody } from './http2-exchange.js';
import { readMultipartForm } from './form-body.js';
import { bodyTooLarge, EMPTY_BODY, type RequestBody } from './request-body-value.js';

/** A POST body PHP turns into $_POST / $_FILES (as in native/http/exchange.h). */
export const enum PostForm {
  None = 0,
  UrlEncoded = 1,
  Multipart = 2,
}

/** The request announces a body over `maxBytes` (Content-Length): refused before any of it is read. */
export function announcedTooLarge(request: IncomingMessage, maxBytes: number): boolean {
  return Number(request.headers['content-length'] ?? -1) > maxBytes;
}

export function hasRequestBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined && length !== '0') return true;
  return request.headers['transfer-encoding'] !== undefined || http2HasBody(request);
}

/**
 * PHP's rule (main/SAPI.c, sapi_read_post_data): only a POST body is read as a
 * form, by its content type lower-cased up to the first ';', ',' or space.
 */
export function postForm(request: IncomingMessage): PostForm {
  if (request.method !== 'POST') return PostForm.None;
  const type = request.headers['content-type'];
  if (!type) return PostForm.None;
  const end = type.search(/[;, ]/);
  const mime = (end < 0 ? type : type.slice(0, end)).toLowerCase();
  if (mime === 'application/x-www-form-urlencoded') return PostForm.UrlEncoded;
  return mime === 'multipart/form-data' ? PostForm.Multipart : PostForm.None;
}

/**
 * Reads a request body: up to `memoryLimit` bytes stay in memory; a larger
 * body goes to a temp file chunk by chunk, so it is never held in memory whole.
 * A multipart/form-data POST is parsed as it arrives instead (form-body.ts).
 * Rejects with EPHPM_BODY_TOO_LARGE past `maxBytes` (announced or actual), with EPHPM_BODY_NOT_STORED when the
 * temp file cannot be written (disk full); the file is removed either way.
 */
export async function readRequestBody(
  request: IncomingMessage,
  maxBytes: number,
  memoryLimit: number,
): Promise<RequestBody> {
  if (announcedTooLarge(request, maxBytes)) throw bodyTooLarge(maxBytes);
  if (!hasRequestBody(request)) return EMPTY_BODY;
  if (postForm(request) === PostForm.Multipart) return readMultipartForm(request, maxBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  let spool: BodySpool | null = null;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw bodyTooLarge(maxBytes);
      if (!spool && size > memoryLimit) {
        spool = new BodySpool();
        for (const earlier of chunks) await spool.write(earlier);
        chunks.length = 0;
      }
      if (spool) await spool.write(chunk);
      else chunks.push(chunk);
    }
    if (spool) {
      await spool.end();
      return { buffer: null, file: spool.path, size, form: null, tempFiles: [spool.path] };
    }
  } catch (error) {
    spool?.discard();
    throw error;
  }
  return size === 0
    ? EMPTY_BODY
    : {
        buffer: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
        file: null,
        size,
        form: null,
        tempFiles: [],
      };
}

import type { IncomingMessage } from 'node:http';
import { isCompressibleType } from './compressible.js';
import type { CompressionSettings } from './compression-settings.js';
import { negotiateCoding, type Coding } from './negotiation.js';

/**
 * What a response's compression depends on that is known from its request alone: null when it is never compressed
 * (compression off, HEAD, a Range request), else the coding the client accepts (null inside: the identity, but a
 * compressible response still varies by Accept-Encoding).
 */
export interface RequestCompression {
  coding: Coding | null;
  minBytes: number;
}

export function requestCompression(
  settings: CompressionSettings | null,
  req: IncomingMessage,
): RequestCompression | null {
  if (!settings || req.method === 'HEAD' || req.headers.range !== undefined) return null;
  return { coding: negotiateCoding(req.headers['accept-encoding']), minBytes: settings.minBytes };
}

/** A response's headers as the few values the rules read. */
export interface ResponseFacts {
  status: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  cacheControl: string | undefined;
  contentRange: string | undefined;
  /** The body's size; -1 when it is not known yet (a stream). */
  bodyBytes: number;
}

/**
 * Whether the response's representation depends on Accept-Encoding (it would be compressed for a client that
 * accepts a coding): a body that may have one (not 1xx, 204, 304, 206), not encoded by the app already, not
 * `Cache-Control: no-transform`, of a compressible type and at least the minimum size.
 */
export function compressible(request: RequestCompression, response: ResponseFacts): boolean {
  const { status } = response;
  if (status < 200 || status === 204 || status === 206 || status === 304) return false;
  if (response.contentEncoding !== undefined && response.contentEncoding.trim().toLowerCase() !== 'identity')
    return false;
  if (response.contentRange !== undefined) return false;
  if (response.cacheControl !== undefined && /(^|[\s,])no-transform($|[\s,])/i.test(response.cacheControl))
    return false;
  if (!isCompressibleType(response.contentType)) return false;
  return response.bodyBytes < 0 || response.bodyBytes >= request.minBytes;
}

/** A Vary value with Accept-Encoding in it (kept as it is when it has it, or is `*`). */
export function varyWithAcceptEncoding(vary: string | undefined): string {
  if (!vary || vary.trim() === '') return 'Accept-Encoding';
  const names = vary.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('*') || names.includes('accept-encoding')) return vary;
  return `${vary}, Accept-Encoding`;
}

/**
 * The strong ETag of the identity body made weak for its compressed form (as nginx's gzip does): a strong validator
 * promises the same bytes, which the compressed body is not.
 */
export function weakened(etag: string): string {
  return etag.startsWith('W/') ? etag : `W/${etag}`;
}

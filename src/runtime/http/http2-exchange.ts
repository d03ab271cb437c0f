// One HTTP/2 request and its response (Node's compat Http2ServerRequest/Response) made to look, where the front uses
// them, like an HTTP/1.1 exchange: the headers PHP gets, the response's state, and a per-stream view of the client's
// pace for the send and body timeouts (a stream the client stops reading stalls no other on its connection).
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2';
import type { Watchable } from './connection-watch.js';
import { loadHttp2 } from './on-first-use.js';

/** RFC 9113 §8.2.2: a response carrying one of these is malformed in HTTP/2; PHP's own are dropped instead. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

const PEER = Symbol('ephpm.http2Peer');
type Http2Exchange = Http2ServerResponse & { [PEER]?: Watchable };

/** As Node's http.maxHeaderSize (16 KiB) for HTTP/1.1: nghttp2 advertises the limit but does not enforce it. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** The bytes of a request's header names and values. */
export function headerBytes(raw: string[]): number {
  let bytes = 0;
  for (const field of raw) bytes += field.length;
  return bytes;
}

export function isHttp2(req: { httpVersionMajor: number }): boolean {
  return req.httpVersionMajor === 2;
}

/**
 * Readies an HTTP/2 exchange for the front: the request's raw headers without pseudo-headers and with a Host from
 * `:authority` (what nginx gives php-fpm), a response that drops connection-specific headers, answers `destroyed` and
 * `writableNeedDrain` as an HTTP/1.1 one, and counts what is written to it.
 */
export function adaptHttp2(req: Http2ServerRequest, res: Http2ServerResponse): void {
  Object.defineProperty(req, 'rawHeaders', { value: http1RawHeaders(req.rawHeaders) });
  const stream = res.stream;
  // Answered before its body was all read (413, 408): the client is told to stop sending it (RFC 9113 §8.1), as an
  // HTTP/1.1 connection closes then; the other streams go on.
  // A turn after 'finish': submitted from within it, the RST_STREAM never reached the client (Node 20).
  stream.once('finish', () =>
    setImmediate(() => {
      if (!stream.readableEnded && !stream.destroyed) stream.close(loadHttp2().constants.NGHTTP2_NO_ERROR);
    }),
  );
  let written = 0;
  let read = 0;
  stream.on('data', (chunk: Buffer) => (read += chunk.length));
  Object.defineProperties(res, {
    destroyed: { get: () => stream.destroyed },
    writableNeedDrain: { get: () => stream.writableNeedDrain },
  });
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = function (chunk: unknown, ...rest: unknown[]): boolean {
    if (typeof chunk === 'string')
      written += Buffer.byteLength(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8');
    else if (chunk) written += (chunk as Uint8Array).length;
    return write(chunk, ...rest);
  } as Http2ServerResponse['write'];
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Http2ServerResponse;
  res.writeHead = function (status: number, ...rest: unknown[]) {
    const headers = rest.length > 0 ? rest[rest.length - 1] : undefined;
    const kept = Array.isArray(headers)
      ? withoutConnectionHeaders(headers as string[])
      : withoutConnectionFields(headers);
    // HTTP/2 has no reason phrase: a status message given is left out.
    return writeHead(status, ...(kept ? [kept] : []));
  } as Http2ServerResponse['writeHead'];
  const session = stream.session;
  const socket = session?.socket;
  (res as Http2Exchange)[PEER] = {
    remoteAddress: socket?.remoteAddress,
    remotePort: socket?.remotePort,
    get writableLength() {
      return stream.bufferSize;
    },
    get bytesWritten() {
      return written;
    },
    get bytesRead() {
      return read;
    },
    once: (_event: 'close', listener: () => void) => stream.once('close', listener),
    destroy: () => resetStream(stream),
  };
}

/** The client's side of this stream, as the send and body timeouts watch it. */
export function http2Peer(res: unknown): Watchable {
  return (res as Http2Exchange)[PEER]!;
}

/** An HTTP/2 request's body needs no Content-Length: it has one unless its stream ended with its headers. */
export function http2HasBody(req: { httpVersionMajor: number }): boolean {
  return isHttp2(req) && !(req as Http2ServerRequest).stream.endAfterHeaders;
}

/** Ends this stream alone: its connection and the other streams on it go on. */
function resetStream(stream: ServerHttp2Stream): void {
  if (!stream.destroyed) stream.close(loadHttp2().constants.NGHTTP2_CANCEL);
}

/** HTTP/2's raw headers as HTTP/1.1 would have them: no pseudo-headers, a Host from `:authority` when none came. */
export function http1RawHeaders(raw: string[]): string[] {
  const headers: string[] = [];
  let authority: string | null = null;
  let host = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name === ':authority') authority = raw[i + 1]!;
    if (name.startsWith(':')) continue;
    if (name.toLowerCase() === 'host') host = true;
    headers.push(name, raw[i + 1]!);
  }
  if (!host && authority !== null) headers.unshift('Host', authority);
  return headers;
}

function withoutConnectionHeaders(headers: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!CONNECTION_HEADERS.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}

function withoutConnectionFields(headers: unknown): unknown {
  if (!headers || typeof headers !== 'object') return headers;
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CONNECTION_HEADERS.has(name.toLowerCase())));
}

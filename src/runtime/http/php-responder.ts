import type { ServerResponse } from 'node:http';
import { fstatSync } from 'node:fs';
import type { EmbeddedPhp, ResponseSink } from '../php/embedded-php.js';
import type { FrontRequest } from './front-request.js';
import type { Payload } from '../native/php-face.js';
import { closeAfterResponse, closeOnceSent, endResponseSentByPhp } from './node-internals.js';
import type { SpillRoom } from './spill-room.js';
import { discardSpilledBody } from '../php/spilled-body-fd.js';
import { sendSpilledBody } from './spilled-body.js';
import { StreamedBody } from './streamed-body.js';
import type { FileOffload, OffloadAnswer } from './file-offload/file-offload.js';
import { compressAsync, compressSync, createEncoder } from './compression/encoders.js';
import { CompressingStream } from './compression/compressing-stream.js';
import type { Coding } from './compression/negotiation.js';
import { compressible, type RequestCompression } from './compression/response-rules.js';
import { compressedPhpHeaders, phpResponseFacts } from './compression/php-response-headers.js';

/** Complete bodies up to this are compressed on the main thread; larger ones in libuv's pool. */
const COMPRESS_INLINE_BYTES = 64 * 1024;

export interface ResponderOwner {
  responded(responder: PhpResponder): void;
  /** The head of PHP's answer, before Node writes it (headers as name, value, name, value, …). */
  answerHead(front: FrontRequest, status: number, headers: readonly string[]): void;
  /** What the worker's streamed responses may keep in memory and temp files for slow clients. */
  readonly spillRoom: SpillRoom;
  /** Sends the files complete responses name (file_offload); null when off. */
  readonly fileOffload: FileOffload | null;
  /** PHP wrote this keep-alive answer itself to the socket `directSocket` (the native lane may take the connection). */
  writtenByPhp(response: ServerResponse, directSocket: number): void;
}

/**
 * One request on its way through PHP: where the answer goes and what the
 * server needs to know about it afterwards (log line, timeout, temp files).
 */
export class PhpResponder implements ResponseSink {
  status = 0;
  /** Body bytes sent (or handed to Node to send), for the access log. */
  bytes = 0;
  finished = false;
  /** From dispatch to PHP's first answer (ms); -1 while PHP has not answered, or when Node answered instead. */
  phpMs = -1;
  private readonly dispatchedAt = performance.now();
  /** Set when another worker could take the request instead while PHP has not started it: its request, and body. */
  movable: unknown = null;
  movableBody: Buffer | null = null;

  constructor(
    private readonly response: ServerResponse,
    private readonly php: EmbeddedPhp<PhpResponder>,
    private readonly owner: ResponderOwner,
    readonly id: number,
    /** The request (its method, arrival, target, id and client, for the access log). */
    readonly front: FrontRequest,
    /** Date.now() at arrival, for the request timeout. */
    readonly arrivedAt: number,
    /** The spooled body and uploaded files, removed once the response is complete. */
    readonly tempFiles: readonly string[],
    /** >= 0: PHP may write the complete response to this socket itself (the addon's id; see HttpFront). */
    private readonly directSocket: number,
    /** How its answer may be compressed (null: never); see compression/response-rules.ts. */
    private readonly compression: RequestCompression | null = null,
  ) {}

  // A complete response (last) is not counted against PHP's streaming budget;
  // the first part of a streamed one is. Once a responder has finished early,
  // EmbeddedPhp no longer routes events to it (see forget()).
  head(status: number, headers: string[], body: Payload, last: boolean, file: number): void {
    this.status = status;
    this.phpAnswered();
    // A download (or X-Sendfile) is sent by Node from its file, as PHP's headers say: never compressed.
    if (
      last &&
      this.owner.fileOffload?.send(this.front.req, this.response, status, headers, (sent) => this.fileSent(sent))
    ) {
      return discardSpilledBody(file);
    }
    if (last) this.bytes = body.length + (file >= 0 ? fstatSync(file).size : 0);
    let coding: Coding | null = null;
    if (this.compression) {
      // The runtime left a stream's Content-Length only when the app set a valid one (a download's size): such a
      // stream goes as it is, its client may count on it.
      const size = last ? this.bytes : contentLength(headers);
      if (last || size < 0) {
        if (compressible(this.compression, phpResponseFacts(status, headers, size))) {
          coding = this.compression.coding;
          headers = compressedPhpHeaders(headers, coding);
        }
      }
    }
    if (coding && last && file < 0) return this.sendCompressed(status, headers, body, coding);
    this.sendHead(status, headers, body, last, file, coding);
  }

  private sendHead(
    status: number,
    headers: string[],
    body: Payload,
    last: boolean,
    file: number,
    coding: Coding | null,
  ): void {
    const response = this.response;
    this.owner.answerHead(this.front, status, headers);
    try {
      response.writeHead(status, headers);
    } catch (error) {
      discardSpilledBody(file);
      this.php.emit('log', `PHP sent a response Node cannot send: ${(error as Error).message}`, false);
      this.status = 500;
      const message = '500 Internal Server Error: the PHP worker sent an invalid response header.\n';
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end(message);
      this.bytes = message.length;
      if (!last) {
        this.php.drained(body.length);
        this.php.forget(this.id); // the rest of this stream has nowhere to go
      }
      return this.finish();
    }
    if (last && file >= 0) {
      return sendSpilledBody(file, response, true, () => this.finish(), coding ? createEncoder(coding) : null);
    }
    if (last) {
      if (typeof body === 'string') response.end(body, 'latin1');
      else response.end(body);
      return this.finish();
    }
    const method = this.front.req.method;
    const hasBody = method !== 'HEAD' && status !== 304 && status !== 204 && status >= 200;
    // The runtime left a stream's Content-Length only when the app set a valid one (native/http/response_framing.h).
    if (method !== 'HEAD' && status !== 304) this.streamLeft = contentLength(headers);
    if (coding && hasBody) {
      const compressing = new CompressingStream(
        coding,
        this.php,
        (data) => this.body!.write(data),
        (error) => response.destroy(error),
      );
      this.compressing = compressing;
      this.body = new StreamedBody(response, compressing.compressedBudget, this.owner.spillRoom, hasBody);
      response.once('close', () => compressing.close());
    } else {
      this.body = new StreamedBody(response, this.php, this.owner.spillRoom, hasBody);
    }
    // The client left (or was dropped for not reading) before the stream ended: send_chunk() says so to PHP.
    response.once('close', () => {
      if (!this.finished) this.php.abandon(this.id);
    });
    this.write(body);
  }

  chunk(data: Payload, last: boolean): void {
    this.write(data);
    if (last) {
      // Fewer bytes than announced: the client can only tell the body is incomplete if the connection ends here.
      if (this.streamLeft > 0) closeOnceSent(this.response);
      // PHP is done and moves on; what the client has not taken yet follows from memory or the spill file.
      const body = this.body;
      if (this.compressing) this.compressing.end(() => body?.end());
      else body?.end();
      this.finish();
    }
  }

  abort(): void {
    this.phpAnswered();
    this.response.destroy();
    this.finish();
  }

  written(status: number, unsent: Payload, connectionCloses: boolean, file: number, bodyBytes: number): void {
    this.status = status;
    this.bytes = bodyBytes;
    this.phpAnswered();
    const response = this.response;
    const socket = response.socket;
    if (response.destroyed || !socket || socket.destroyed) {
      discardSpilledBody(file);
      return this.finish();
    }
    if (unsent.length > 0) {
      if (typeof unsent === 'string') socket.write(unsent, 'latin1');
      else socket.write(unsent);
    }
    if (file < 0) {
      endResponseSentByPhp(response, status, connectionCloses);
      if (!connectionCloses && unsent.length === 0) this.owner.writtenByPhp(response, this.directSocket);
      return this.finish();
    }
    // Node's record of the response ends once the last byte is queued: nothing else may be written
    // on this connection before (a pipelined response waits for it).
    sendSpilledBody(file, socket, false, (complete) => {
      if (complete) endResponseSentByPhp(response, status, connectionCloses);
      this.finish();
    });
  }

  writeFailed(status: number): void {
    this.status = status;
    this.phpAnswered();
    this.response.destroy();
    this.finish();
  }

  earlyHints(headers: string[]): void {
    const response = this.response;
    // 1xx responses are HTTP/1.1's (RFC 9110 §15.2): an HTTP/1.0 client would take one for the answer.
    if (this.finished || response.headersSent || this.front.req.httpVersion === '1.0') return;
    const hints: Record<string, string[]> = {};
    for (let i = 0; i + 1 < headers.length; i += 2) (hints[headers[i]!.toLowerCase()] ??= []).push(headers[i + 1]!);
    try {
      response.writeEarlyHints(hints);
    } catch (error) {
      this.php.emit('log', `send_early_hints(): no 103 sent: ${(error as Error).message}`, false);
    }
  }

  /** The server is draining: close the connection after this response. */
  closeAfterwards(): void {
    if (this.response.headersSent) return;
    closeAfterResponse(this.response);
    if (this.directSocket >= 0) this.php.closeAfterwards(this.directSocket);
  }

  /**
   * Answers from Node itself (timeouts, overload) if nothing of PHP's answer
   * was sent and PHP has not started writing it; false otherwise.
   */
  answerInstead(status: number, message: string, headers: Record<string, string> = {}): boolean {
    // PHP's answer arrived (Node may still be sending it): nobody answers in its place any more.
    if (this.finished || this.phpMs >= 0 || this.response.headersSent) return false;
    if (this.directSocket >= 0 && !this.php.answerInstead(this.directSocket, this.id)) return false;
    this.php.forget(this.id); // PHP's late answer is dropped
    this.status = status;
    this.bytes = Buffer.byteLength(message);
    const id = this.front.requestId;
    this.response.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      ...headers,
      ...(id ? { 'X-Request-Id': id } : {}),
    });
    this.response.end(message);
    this.finish();
    return true;
  }

  /** A streamed response's body on its way to the client: in memory, or through a temp file for a slow one. */
  private body: StreamedBody | null = null;
  /** A compressed stream's encoder, in front of `body`. */
  private compressing: CompressingStream | null = null;
  /** Bytes a stream with a Content-Length may still send (what PHP sends past it is dropped); -1: no length. */
  private streamLeft = -1;

  private write(data: Payload): void {
    if (this.streamLeft >= 0 && data.length > this.streamLeft) {
      this.php.drained(data.length - this.streamLeft);
      data = data.slice(0, this.streamLeft);
    }
    if (this.streamLeft >= 0) this.streamLeft -= data.length;
    if (data.length === 0) return;
    this.bytes += data.length;
    if (this.compressing) this.compressing.write(data);
    else if (this.body) this.body.write(data);
    else this.php.drained(data.length);
  }

  private fileSent(answer: OffloadAnswer): void {
    this.status = answer.status;
    this.bytes = answer.bytes;
    this.finish();
  }

  /**
   * A complete body compressed before its head is written (with the compressed Content-Length): small ones at once,
   * larger ones in libuv's pool, the response sent when they are done.
   */
  private sendCompressed(status: number, headers: string[], body: Payload, coding: Coding): void {
    const identity = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
    const send = (compressed: Buffer) => {
      headers.push('Content-Length', String(compressed.length));
      this.sendHead(status, headers, compressed, true, -1, coding);
    };
    if (identity.length <= COMPRESS_INLINE_BYTES) return send(compressSync(coding, identity));
    compressAsync(coding, identity, (error, compressed) => {
      if (this.response.destroyed) return this.finish();
      if (error) {
        this.php.emit('log', `a response could not be compressed: ${error.message}`, false);
        this.response.destroy(error);
        return this.finish();
      }
      send(compressed);
    });
  }

  private phpAnswered(): void {
    if (this.phpMs < 0) this.phpMs = performance.now() - this.dispatchedAt;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.owner.responded(this);
  }
}

/** The Content-Length among `headers` (name, value, name, value, …), or -1. */
function contentLength(headers: string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === 'content-length') return Number(headers[i + 1]);
  }
  return -1;
}

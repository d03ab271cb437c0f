import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { currentResponse } from './node-internals.js';
import type { ReadGate } from './read-gate.js';
import { requestIdOf } from './request-id.js';
import type { RequestTarget } from './request-target.js';

/** The request said `Expect: 100-continue`: its client waits for a 100 before it sends the body. */
export const EXPECTS_CONTINUE = Symbol('ephpm.expectsContinue');
/** The request holds a place at the read gate (until it is with PHP, answered, or reading its body). */
const ADMITTED = Symbol('ephpm.admitted');
/** The gate a response tells when its first byte is written and when it is done. */
const GATED = Symbol('ephpm.gated');

export type RawRequest = IncomingMessage & {
  [EXPECTS_CONTINUE]?: boolean;
  [ADMITTED]?: boolean;
};
export type RawResponse = ServerResponse;
type GatedResponse = RawResponse & { [GATED]?: { gate: ReadGate; req: RawRequest; socket: Socket } };

/** One request on its way through the front, as one value from the moment Node hands it over to its answer. */
export interface FrontRequest {
  readonly req: RawRequest;
  readonly res: RawResponse;
  /** performance.now() when the front took it: the access log's and the histogram's duration. */
  readonly started: number;
  /** The target as the client sent it. */
  readonly url: string;
  /** Where it goes: set once the target has been checked. */
  target: RequestTarget | null;
  /** The client's address as PHP and the access log see it. */
  readonly remoteAddress: string;
  /** Its X-Request-Id ('' with request ids off), and whether it is the client's own. */
  readonly requestId: string;
  readonly requestIdGiven: boolean;
}

export function frontRequest(req: RawRequest, res: RawResponse, requestIds: boolean): FrontRequest {
  const { id, given } = requestIds ? requestIdOf(req.rawHeaders) : { id: '', given: false };
  return {
    req,
    res,
    started: performance.now(),
    url: req.url ?? '/',
    target: null,
    remoteAddress: plainAddress(req.socket.remoteAddress),
    requestId: id,
    requestIdGiven: given,
  };
}

/** An IPv4 peer as IPv4 ("::ffff:127.0.0.1" → "127.0.0.1"), as php-fpm shows it. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The request holds its place at the read gate until it is with PHP; its connection is parked after it if PHP is
 * busy. No closure per request: the response carries what its (shared) listeners need.
 */
export function admit(gate: ReadGate, req: RawRequest, res: RawResponse): void {
  gate.arrived(req.socket);
  req[ADMITTED] = true;
  (res as GatedResponse)[GATED] = { gate, req, socket: req.socket }; // Node clears req.socket once it is done
  // Node writes every head it sends through writeHead (end() without one calls it too).
  res.writeHead = gatedWriteHead as RawResponse['writeHead'];
  res.once('close', gatedResponseClosed);
}

/** The request's place at the read gate is given up (once). */
export function release(req: RawRequest, gate: ReadGate | null): void {
  if (!req[ADMITTED]) return;
  req[ADMITTED] = false;
  gate?.released();
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- gatedWriteHead calls it with .apply(this)
const nodeWriteHead = ServerResponse.prototype.writeHead;

function gatedWriteHead(this: GatedResponse, ...args: unknown[]): RawResponse {
  const gated = this[GATED];
  if (gated) gated.gate.answering(gated.socket);
  return (nodeWriteHead as (...headArgs: unknown[]) => RawResponse).apply(this, args);
}

function gatedResponseClosed(this: GatedResponse): void {
  const gated = this[GATED]!;
  release(gated.req, gated.gate);
  const socket = gated.socket;
  if (this.writableFinished && !socket.destroyed && socket.writable && !currentResponse(socket))
    gated.gate.between(socket);
}

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RawRequest, RawResponse } from './front-request.js';
import { isHttp2 } from './http2-exchange.js';
import { socketDescriptor } from './node-internals.js';

/** The addon's id for this connection's socket (-1: PHP may not write to it), once adopted. */
const DIRECT_SOCKET = Symbol('ephpm.directSocket');
type AdoptedSocket = Socket & { [DIRECT_SOCKET]?: number };

/** What the addon does with the sockets PHP writes to. */
export interface SocketAdoption {
  adoptSocket(fd: number): number;
  releaseSocket(id: number): void;
}

/**
 * PHP may write a complete response to the socket itself when nothing else can write on this connection meanwhile:
 * plain TCP, this response is the connection's current one (every earlier one is finished), nothing is buffered, and
 * not HEAD (Node drops HEAD bodies). A request read while the answer before it was unsent in Node's view is
 * dispatched once that one is finished (pipelining.ts), so it qualifies then as any other: under load a keep-alive
 * client's next request often arrives before Node has taken PHP's `Written` event for the previous answer. Returns
 * the socket's id in the addon (adopted once per connection, released when it closes), or -1: the answer goes
 * through Node. See docs/ARCHITECTURE.md, "Complete responses skip Node".
 */
export function directSocketFor(req: RawRequest, res: RawResponse, php: SocketAdoption, enabled: boolean): number {
  const socket = req.socket as AdoptedSocket;
  if (
    !enabled ||
    isHttp2(req) ||
    req.method === 'HEAD' ||
    (socket as TLSSocket).encrypted ||
    res.socket !== socket ||
    socket.writableLength > 0
  )
    return -1;
  let adopted = socket[DIRECT_SOCKET];
  if (adopted === undefined) {
    const fd = socketDescriptor(socket);
    const id = fd >= 0 ? php.adoptSocket(fd) : -1;
    if (id >= 0) socket.once('close', () => php.releaseSocket(id));
    adopted = socket[DIRECT_SOCKET] = id;
  }
  return adopted;
}

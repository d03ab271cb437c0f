import type { TLSSocket } from 'node:tls';
import type { DispatchedRequest } from '../php/embedded-php.js';
import { plainAddress, type FrontRequest } from './front-request.js';
import { KEEP_ALIVE_TIMEOUT_MS } from './front-server.js';
import { keepsAlive } from './node-internals.js';
import { withHeader } from './raw-header-list.js';
import { postForm } from './request-body.js';
import type { RequestBody } from './request-body-value.js';

/** How the front decided this request is answered and kept, beside what the client sent. */
export interface DispatchChoices {
  /** Date.now() when it goes to PHP. */
  now: number;
  /** From adoptSocket(), or -1: the answer goes through Node. */
  directSocket: number;
  /** A complete body from this size goes to Node, which compresses it; -1: none. */
  compressFrom: number;
  /** The supervisor's id of the connection, kept in the journal until PHP starts it; 0: it cannot move. */
  connection: number;
}

/** The request as the addon hands it to PHP: what the client sent, its addresses, its body, and the front's choices. */
export function phpRequest(front: FrontRequest, body: RequestBody, choices: DispatchChoices): DispatchedRequest {
  const { req, res } = front;
  const socket = req.socket;
  return {
    method: req.method!,
    uri: front.target!.uri,
    protocol: `HTTP/${req.httpVersion}`,
    scheme: (socket as TLSSocket).encrypted ? 'https' : 'http',
    remoteAddress: front.remoteAddress,
    remotePort: socket.remotePort ?? 0,
    serverAddress: plainAddress(socket.localAddress),
    serverPort: socket.localPort ?? 0,
    rawHeaders: phpHeaders(front),
    body: body.buffer,
    bodyFile: body.file,
    bodySize: body.size,
    postForm: postForm(req),
    form: body.form,
    time: choices.now / 1000,
    directSocket: choices.directSocket,
    keepAliveSeconds: keepsAlive(res) ? KEEP_ALIVE_TIMEOUT_MS / 1000 : 0,
    compressFrom: choices.compressFrom,
    connection: choices.connection,
  };
}

/** The request's headers as PHP gets them: the Host an absolute-form target names, the request id the front gave it. */
function phpHeaders(front: FrontRequest): string {
  const { req, target } = front;
  let headers = req.rawHeaders;
  if (target!.host !== null) headers = withHeader(headers, 'Host', target!.host);
  if (front.requestId && !front.requestIdGiven) headers = withHeader(headers, 'X-Request-Id', front.requestId);
  return headers.join('\n');
}

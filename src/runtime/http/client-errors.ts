// What a client gets when Node refuses what it sent on a connection: bytes that are not HTTP, a request after
// `Connection: close` (or after an HTTP/1.0 request without keep-alive), a request cut off by the client's FIN,
// headers or a body that came too slowly (408). Node hands these to the server's `clientError` handler; Node's default
// (and fastify's) writes its answer at once and destroys the socket, so the responses still owed to the requests
// before it (PHP had run them) would be lost, or the answer would land in the middle of one. Here they go first.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { currentResponse } from './node-internals.js';

const LATEST_REQUEST = Symbol('ephpm.latestRequest');
const ANSWERED = Symbol('ephpm.clientErrorAnswered');
type ClientSocket = Socket & { [LATEST_REQUEST]?: IncomingMessage; [ANSWERED]?: boolean };

/** Remembers each connection's latest request, to tell an error in it from one after it. */
export function followLatestRequests(server: HttpServer): void {
  server.prependListener('request', (request: IncomingMessage) => {
    (request.socket as ClientSocket)[LATEST_REQUEST] = request;
  });
}

/**
 * A `clientError` handler. An error after the latest request (that request is complete) is answered once every
 * response owed on the connection is out; after `Connection: close` nothing more is said (RFC 9112 §9.6). An error
 * inside the latest request (its body broke off, or came too slowly) is answered in that request's place, after
 * the responses before it. The connection then closes, once what is queued on it is written.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const client = socket as ClientSocket;
  // Node calls this again for every later chunk the parser refuses.
  if (error.code === 'ECONNRESET' || socket.destroyed || client[ANSWERED]) return;
  client[ANSWERED] = true;
  const latest = client[LATEST_REQUEST];
  afterOwedResponses(socket, latest && !latest.complete ? latest : null, (current) => refuse(error, socket, current));
}

/** Calls `then` once no response is owed on the connection before the one to `own` (an incomplete request's). */
function afterOwedResponses(
  socket: Socket,
  own: IncomingMessage | null,
  then: (current: ServerResponse | null) => void,
): void {
  const current = currentResponse(socket);
  if (!current || current.req === own) return then(current);
  // 'close' comes a tick after Node finished the response and gave the socket to the next pipelined one.
  current.once('close', () => {
    if (!socket.destroyed) afterOwedResponses(socket, own, then);
  });
}

function refuse(error: NodeJS.ErrnoException, socket: Socket, current: ServerResponse | null): void {
  if (socket.destroyed) return;
  // A response already under way (the front answered the request early) cannot be followed by another.
  if (error.code !== 'HPE_CLOSED_CONNECTION' && socket.writable && !current?.headersSent) {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = `${status} ${STATUS_CODES[status]}: ${REASONS[status]}.\n`;
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroySoon();
}

const REASONS: Record<number, string> = {
  400: 'what was sent is not a valid HTTP/1.1 request',
  408: 'the request did not arrive in time',
  431: 'the request headers are too large',
};

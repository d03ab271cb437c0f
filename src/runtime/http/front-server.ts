import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/server-config.js';
import { answerClientError, followLatestRequests } from './client-errors.js';
import { EXPECTS_CONTINUE, type RawRequest, type RawResponse } from './front-request.js';
import { answersHalfClosedConnections } from './node-internals.js';

// Advertised in "Keep-Alive: timeout=5": clients drop idle sockets before
// the server does, which is what makes a hand-over lose no request.
export const KEEP_ALIVE_TIMEOUT_MS = 5000;
// How often the front checks its timeouts (and Node its headers and request timeouts), at most.
export const CHECK_INTERVAL_MS = 1000;

/** Node answered 408 on this connection (header_timeout, request_read_timeout). */
const READ_TIMED_OUT = Symbol('ephpm.readTimedOut');

/** Whether Node itself answered 408 on this connection (the request arrived too slowly). */
export function readTimedOut(socket: Socket): boolean {
  return (socket as Socket & { [READ_TIMED_OUT]?: boolean })[READ_TIMED_OUT] === true;
}

/**
 * The worker's fastify server: one catch-all route to `handle`, bodies left unread for it (request-body.ts), Node's
 * own clocks for slow requests, `Expect: 100-continue` left to the handler, CONNECT refused.
 */
export function createFrontServer(
  config: ServerConfig,
  handle: (request: FastifyRequest, reply: FastifyReply) => void,
): FastifyInstance {
  // Node's own clock for slow requests: headers within header_timeout, the whole request within
  // request_read_timeout; it answers 408 (through fastify's clientError handler) and closes.
  const readTimeouts = {
    headersTimeout: config.headerTimeoutMs,
    requestTimeout: config.requestReadTimeoutMs,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
  };
  // fastify's types take `http` or `https`, not both; it uses `https` when set.
  const httpOptions: object = { http: readTimeouts };
  const app = Fastify({
    logger: false,
    ...httpOptions,
    https: config.tls
      ? {
          cert: readFileSync(config.tls.cert),
          key: readFileSync(config.tls.key),
          ...readTimeouts,
          // 'h2' connections leave this server for the HTTP/2 one (http2-server.ts, routeByAlpn).
          ...(config.http2 ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
        }
      : null,
    return503OnClosing: false,
    forceCloseConnections: false,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: config.requestReadTimeoutMs,
    clientErrorHandler: answerClientError,
    // Absolute-form and asterisk-form targets reach the catch-all route; handle() reads the original.
    rewriteUrl: (request) => (request.url?.startsWith('/') ? request.url : '/'),
  });
  app.server.on('connect', refuseConnect);
  followLatestRequests(app.server);
  answersHalfClosedConnections(app.server);
  // Node would send the 100 at once; it is sent only once the body is going to be read (a 413 or 503 comes without one).
  app.server.on('checkContinue', (req: RawRequest, res: RawResponse) => {
    req[EXPECTS_CONTINUE] = true;
    app.server.emit('request', req, res);
  });
  // Node answers a request that arrives too slowly itself (408, then the socket is destroyed): remembered for the log.
  app.server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      (socket as Socket & { [READ_TIMED_OUT]?: boolean })[READ_TIMED_OUT] = true;
  });
  app.removeAllContentTypeParsers();
  // Bodies are read in the handler, straight from the socket (see request-body.ts).
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.all('/*', handle);
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    reply.code(status).type('text/plain; charset=utf-8').send(`${status} ${error.message}\n`);
  });
  return app;
}

/** CONNECT (authority-form) asks for a tunnel: this is an origin server, not a proxy. */
function refuseConnect(_request: unknown, socket: Socket): void {
  const body = '405 Method Not Allowed: CONNECT is not served here (not a proxy).\n';
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

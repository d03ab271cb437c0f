import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/server-config.js';
import { answerClientError, followLatestRequests } from './client-errors.js';
import { EXPECTS_CONTINUE, type RawRequest, type RawResponse } from './front-request.js';
import { answersHalfClosedConnections } from './node-internals.js';
import { loadHttps } from './on-first-use.js';

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
 * The worker's HTTP/1.1 server, Node's own: every request to `handle` (which reads its body itself, request-body.ts),
 * Node's clocks for slow requests, `Expect: 100-continue` left to the handler, CONNECT refused. No framework between
 * Node's parser and the front: it routes nothing (one handler takes every request), and a framework's request
 * objects, hooks and router cost the main thread time per request and the worker ~3 MB of code.
 */
export function createFrontServer(config: ServerConfig, handle: RequestHandler): HttpServer {
  // Node's own clock for slow requests: headers within header_timeout, the whole request within
  // request_read_timeout; it answers 408 (through the clientError handler) and closes.
  const options = {
    headersTimeout: config.headerTimeoutMs,
    requestTimeout: config.requestReadTimeoutMs,
    connectionsCheckingInterval: CHECK_INTERVAL_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };
  const server = config.tls
    ? (loadHttps().createServer({
        cert: readFileSync(config.tls.cert),
        key: readFileSync(config.tls.key),
        ...options,
        // 'h2' connections leave this server for the HTTP/2 one (http2-server.ts, routeByAlpn).
        ...(config.http2 ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
      }) as unknown as HttpServer)
    : createHttpServer(options);
  server.on('request', (req: RawRequest, res: RawResponse) => handleOrAnswer500(handle, req, res));
  server.on('clientError', answerClientError);
  server.on('connect', refuseConnect);
  followLatestRequests(server);
  answersHalfClosedConnections(server);
  // Node would send the 100 at once; it is sent only once the body is going to be read (a 413 or 503 comes without one).
  server.on('checkContinue', (req: RawRequest, res: RawResponse) => {
    req[EXPECTS_CONTINUE] = true;
    server.emit('request', req, res);
  });
  // Node answers a request that arrives too slowly itself (408, then the socket is destroyed): remembered for the log.
  server.prependListener('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      (socket as Socket & { [READ_TIMED_OUT]?: boolean })[READ_TIMED_OUT] = true;
  });
  return server;
}

export type RequestHandler = (req: RawRequest, res: RawResponse) => void;

/** A bug in the front answers its one request 500 (or ends it, if its answer has begun); the worker serves on. */
export function handleOrAnswer500(handle: RequestHandler, req: RawRequest, res: RawResponse): void {
  try {
    handle(req, res);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = `500 Internal Server Error: ${(error as Error).message}\n`;
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

/** CONNECT (authority-form) asks for a tunnel: this is an origin server, not a proxy. */
function refuseConnect(_request: unknown, socket: Socket): void {
  const body = '405 Method Not Allowed: CONNECT is not served here (not a proxy).\n';
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

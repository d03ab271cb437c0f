// Every use of Node's undocumented http/net internals lives here:
// - a client socket's descriptor (`socket._handle.fd`), which PHP writes complete responses to;
// - `ServerResponse` state (`_header`, `_headerSent`, `_last`) brought up to date after PHP wrote a
//   response itself (native/http/direct_response.cc), so Node finishes it as if it had sent it:
//   keep-alive timer, the next pipelined response, closing;
// - `res.shouldKeepAlive`, read and cleared to close a connection after a response;
// - `socket._httpMessage`, the response a connection is writing now (the next pipelined one takes its place
//   once it is finished), so an answer to a client error waits for the responses owed before it;
// - `server.httpAllowHalfOpen`: a client that half-closes after its request still gets its responses;
// - `socket._paused` and `socket.parser`, the flag and parser Node's http server pauses and resumes a connection's
//   reading with (its own back-pressure); pipelined requests wait unread the same way (pipelining.ts);
// - an http.Server that serves connections it is handed (its 'connection' event) and never listens
//   itself: its connection tracking (closeIdleConnections(), the headers and request timeouts) starts
//   on its 'listening' event, which servesHandedConnections() emits.
// checkNodeInternals() runs when a worker starts: if this Node version does not look as expected,
// direct writes are turned off (every response goes through Node's public API) and the reason is logged.
// test/runtime/direct-write.test.ts covers everything that depends on these, byte for byte.
import { IncomingMessage, ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer, Server as NetServer, Socket } from 'node:net';

interface ResponseInternals {
  _header: string | null;
  _headerSent: boolean;
  _last: boolean;
  shouldKeepAlive: boolean;
}

type SocketInternals = { _handle?: { fd?: unknown } | null };

const HEAD_SENT_BY_PHP = 'HTTP/1.1 (head sent by PHP)\r\n\r\n';

/** Ends a response whose bytes PHP already wrote; Node writes nothing more. */
export function endResponseSentByPhp(response: ServerResponse, status: number, connectionCloses: boolean): void {
  const internals = response as unknown as ResponseInternals;
  response.statusCode = status;
  internals._header = HEAD_SENT_BY_PHP;
  internals._headerSent = true;
  if (connectionCloses) {
    internals.shouldKeepAlive = false;
    internals._last = true;
  }
  response.end();
}

/** The response this connection is writing now, or null (none owed, or Node's internals differ: the caller answers at once). */
export function currentResponse(socket: Socket): ServerResponse | null {
  const current = (socket as { _httpMessage?: unknown })._httpMessage;
  return current instanceof ServerResponse ? current : null;
}

type ReadingState = { _paused?: boolean; parser?: { resume(): void } | null };

/**
 * Stops reading the connection as Node's http server does under back-pressure: what was read is still parsed,
 * nothing more is read until resumeReading() (Node's own resume on 'drain' may come first: call this again then).
 */
export function pauseReading(socket: Socket): void {
  const state = socket as Socket & ReadingState;
  if (state._paused) return;
  state._paused = true;
  socket.pause();
}

export function resumeReading(socket: Socket): void {
  const state = socket as Socket & ReadingState;
  if (!state._paused || socket.destroyed) return;
  state._paused = false;
  state.parser?.resume();
  socket.resume();
}

/**
 * Parses `bytes` as the first bytes of a connection just handed to the HTTP server, before anything it reads from
 * the kernel: a request another worker read and gave back unstarted. Node's server parses the kernel's bytes in C++
 * (the parser consumes the socket's handle), so bytes put back into the JS stream (`unshift`) came after them.
 */
export function parseBeforeReading(socket: Socket, bytes: Buffer): boolean {
  const parser = (socket as Socket & { parser?: { execute(data: Buffer): unknown } | null }).parser;
  if (!parser) return false;
  return !(parser.execute(bytes) instanceof Error);
}

/** The OS descriptor of a plain TCP socket (or listener), or -1 when Node does not expose one. */
export function socketDescriptor(socket: Socket | NetServer): number {
  const fd = (socket as SocketInternals)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}

/** Whether the connection stays open after this response (false for HTTP/1.0, `Connection: close`, …). */
export function keepsAlive(response: ServerResponse): boolean {
  return (response as unknown as ResponseInternals).shouldKeepAlive;
}

/** The connection closes after this response (Node then says `Connection: close`). */
export function closeAfterResponse(response: ServerResponse): void {
  (response as unknown as ResponseInternals).shouldKeepAlive = false;
}

/**
 * The connection closes once this response's last byte is written, even though its head is out
 * already (Node then ends the socket after it instead of keeping it for the next request).
 */
export function closeOnceSent(response: ServerResponse): void {
  const internals = response as unknown as ResponseInternals;
  internals.shouldKeepAlive = false;
  internals._last = true;
}

/**
 * A client that half-closes its side after its requests (`nc -N`, `shutdown(SHUT_WR)`) still gets every response
 * owed to it, and then the connection closes; by default Node ends the connection as soon as the client's FIN arrives.
 * Each connection's socket must allow half-open too (HandedConnections sets it).
 */
export function answersHalfClosedConnections(server: HttpServer): void {
  (server as HttpServer & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

/**
 * Readies an http(s).Server that never listens for the connections it is handed through its 'connection'
 * event: Node starts tracking connections (idle ones, the headers and request timeouts) on 'listening'.
 */
export function servesHandedConnections(server: HttpServer): void {
  server.emit('listening');
}

/**
 * Checks that this Node version has the internals above. Resolves with what is missing
 * (empty: direct writes are safe). `probe` is for tests.
 */
export async function checkNodeInternals(given?: InternalsProbe): Promise<string[]> {
  const probe = given ?? (await probeThisNode());
  const missing: string[] = [];
  for (const field of ['_header', '_headerSent', '_last'] as const) {
    if (!(field in probe.response)) missing.push(`ServerResponse.${field}`);
  }
  if (typeof (probe.response as Partial<ResponseInternals>).shouldKeepAlive !== 'boolean')
    missing.push('ServerResponse.shouldKeepAlive');
  if (probe.tcpDescriptor < 0) missing.push("a TCP socket's _handle.fd");
  return missing;
}

export interface InternalsProbe {
  response: object;
  /** socketDescriptor() of a real TCP handle. */
  tcpDescriptor: number;
}

async function probeThisNode(): Promise<InternalsProbe> {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  // A listener of its own (exclusive: not the cluster's shared one, whose handle is a stand-in),
  // on loopback for the moment it takes to read the descriptor.
  const server = createServer();
  const tcpDescriptor = await new Promise<number>((resolve) => {
    server.once('error', () => resolve(-1));
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(socketDescriptor(server)));
  });
  server.close();
  return { response, tcpDescriptor };
}

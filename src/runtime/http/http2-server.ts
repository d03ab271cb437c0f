// HTTP/2 beside HTTP/1.1 on the same port. Over TLS the client picks by ALPN ('h2' or 'http/1.1'): the https server
// keeps every HTTP/1.1 connection (its timeouts, client errors, half-closed handling stay as they are), and a
// connection that chose 'h2' goes to a plain Http2Server, which builds a session over any socket it is given. In
// cleartext (h2c, opt-in for use behind a proxy), a connection that opens with HTTP/2's preface ("prior knowledge")
// goes to that server, anything else stays HTTP/1.1. Both servers' requests go to the same handler.
import type { Http2Server, Http2Session, ServerHttp2Stream } from 'node:http2';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MAX_HEADER_BYTES } from './http2-exchange.js';
import { loadHttp2 } from './on-first-use.js';

/** RFC 9113 §3.4: what a client speaking HTTP/2 with prior knowledge sends first. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** As nginx's http2_max_concurrent_streams. */
const MAX_CONCURRENT_STREAMS = 128;

export type RequestRouter = (req: IncomingMessage, res: ServerResponse) => void;

/** The HTTP/2 side of a worker's front: its server and the sessions open on it (closed gracefully on drain). */
export class Http2Front {
  readonly server: Http2Server;
  private readonly sessions = new Set<Http2Session>();

  constructor(
    /** An idle session closes after this (as an idle HTTP/1.1 connection does). */
    private readonly idleMs: number,
    /** A cleartext connection says within this whether it speaks HTTP/2 (as its headers must arrive within it). */
    private readonly prefaceTimeoutMs: number,
    route: RequestRouter,
  ) {
    this.server = loadHttp2().createServer({
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_BYTES },
    });
    // The compat request and response have the shape the HTTP/1.1 ones have where the front uses them.
    this.server.on('request', route as unknown as (...args: unknown[]) => void);
    this.server.on('session', (session: Http2Session) => this.track(session));
  }

  /** Serves this connection (a TLS socket that chose 'h2', or a cleartext one that sent the preface). */
  serve(socket: Socket): void {
    this.server.emit('connection', socket);
  }

  /**
   * A cleartext connection: `http1(firstBytes)` unless it opens with HTTP/2's preface (then it is served here).
   * `firstBytes` were read already: the HTTP/1.1 server must parse them before anything else.
   */
  sniff(socket: Socket, http1: (firstBytes: Buffer) => void): void {
    const timer = setTimeout(() => socket.destroy(), this.prefaceTimeoutMs).unref();
    sniffPreface(socket, (http2, seen) => {
      clearTimeout(timer);
      if (http2) {
        socket.unshift(seen); // the session reads what the socket holds before it reads on
        this.serve(socket);
      } else {
        http1(seen);
      }
    });
  }

  /** Draining: each session says GOAWAY, finishes its open streams, and closes. */
  closeAll(): void {
    for (const session of this.sessions) session.close();
  }

  private track(session: Http2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    let open = 0;
    session.on('stream', (stream: ServerHttp2Stream) => {
      open++;
      stream.once('close', () => open--);
    });
    // An idle session closes as an idle HTTP/1.1 connection does; one with streams open (a slow reader) stays.
    session.setTimeout(this.idleMs, () => {
      if (open === 0) session.close();
    });
    session.on('error', () => session.destroy());
  }
}

/** Advertises h2 and http/1.1 by ALPN on the https server; 'h2' connections go to `http2`, others stay. */
export function routeByAlpn(https: HttpServer, http2: Http2Front): void {
  const [http1] = https.listeners('secureConnection') as Array<(socket: TLSSocket) => void>;
  https.removeAllListeners('secureConnection');
  https.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') http2.serve(socket);
    else http1!.call(https, socket);
  });
}

/**
 * Calls `decided` with whether a cleartext connection opens with HTTP/2's preface, once its first bytes tell, and
 * those bytes; the socket is paused then, nothing read after them.
 */
function sniffPreface(socket: Socket, decided: (http2: boolean, seen: Buffer) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const decide = (http2: boolean) => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.pause();
    decided(http2, seen);
  };
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const length = Math.min(seen.length, PREFACE.length);
    if (!seen.subarray(0, length).equals(PREFACE.subarray(0, length))) decide(false);
    else if (length === PREFACE.length) decide(true);
  };
  const onEnd = () => decide(false);
  socket.on('data', onData);
  socket.once('end', onEnd);
}

import type { Socket } from 'node:net';

/** What the watch reads of a client: a connection's socket, or one HTTP/2 stream's view of it (http2-exchange.ts). */
export type Watchable = Pick<
  Socket,
  'writableLength' | 'bytesWritten' | 'bytesRead' | 'remoteAddress' | 'remotePort'
> & {
  once(event: 'close', listener: () => void): unknown;
  destroy(): unknown;
};

interface Sending {
  /** Bytes the kernel took so far: `bytesWritten` (handed to the socket) minus what is still queued. */
  taken: number;
  since: number;
}

interface Receiving {
  socket: Watchable;
  read: number;
  since: number;
  timedOut(): void;
}

const WATCHED = Symbol('ephpm.sendWatch');
type WatchedSocket = Watchable & { [WATCHED]?: Sending };

/**
 * The two timeouts that depend on the client's pace, checked by one timer per worker (no timer or
 * listener per chunk): a connection whose client takes none of the bytes waiting for it for
 * `sendTimeoutMs` is dropped (nginx's send_timeout), and a request body from which nothing arrives
 * for `bodyTimeoutMs` ends (nginx's client_body_timeout). Progress is read from the sockets' own
 * counters, whoever writes (PHP's responses through Node, a spilled body, static files) or reads.
 */
export class ConnectionWatch {
  private readonly sending = new Set<WatchedSocket>();
  private readonly bodies = new Set<Receiving>();

  constructor(
    private readonly sendTimeoutMs: number,
    private readonly bodyTimeoutMs: number,
    private readonly dropped: (socket: Watchable, idleSeconds: number) => void,
  ) {}

  /** Called for each request; watches its connection until it closes (once per connection). */
  watchSends(socket: Watchable): void {
    const watched = socket as WatchedSocket;
    if (watched[WATCHED]) return;
    watched[WATCHED] = { taken: -1, since: Date.now() };
    this.sending.add(watched);
    socket.once('close', () => this.sending.delete(watched));
  }

  /** A body is being read from `socket`; `timedOut` runs if it stalls. Returns the function that ends the watch. */
  receiving(socket: Watchable, timedOut: () => void): () => void {
    const entry: Receiving = { socket, read: socket.bytesRead, since: Date.now(), timedOut };
    this.bodies.add(entry);
    return () => this.bodies.delete(entry);
  }

  check(now = Date.now()): void {
    for (const socket of this.sending) {
      const state = socket[WATCHED]!;
      const queued = socket.writableLength;
      const taken = queued === 0 ? -1 : socket.bytesWritten - queued;
      if (queued === 0 || taken !== state.taken) {
        state.taken = taken;
        state.since = now;
      } else if (now - state.since >= this.sendTimeoutMs) {
        this.sending.delete(socket);
        this.dropped(socket, (now - state.since) / 1000);
        socket.destroy();
      }
    }
    for (const entry of this.bodies) {
      const read = entry.socket.bytesRead;
      if (read !== entry.read) {
        entry.read = read;
        entry.since = now;
      } else if (now - entry.since >= this.bodyTimeoutMs) {
        this.bodies.delete(entry);
        entry.timedOut();
      }
    }
  }
}

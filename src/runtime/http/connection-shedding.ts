// A worker's part in evening out the connections once another worker starts serving (ConnectionBalancer.evenOut):
// told to keep at most N, it closes its excess gracefully. Each of the next connections to send a request (up to
// the excess) gets `Connection: close` on that request's response: its client has its answer, then reconnects, and
// the supervisor hands the new connection to the worker with the fewest. Nothing else is cut:
// - an idle connection is not closed (a request already on its way on it would be lost); it is shed at its next
//   request, or closes by the keep-alive timeout like any other;
// - a request pipelined behind another is not picked (a connection is picked at a request that is its current
//   one); a client that pipelines behind the picked one must send the unanswered requests again (RFC 9112 §9.3.2),
//   as after any `Connection: close` (a hand-over's too).
// The request listener exists only while shedding: nothing is added to a request's path otherwise.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeAfterResponse, currentResponse, keepsAlive } from './node-internals.js';

/**
 * How long a request is awaited on the connections to shed. A client that sends one at least every keep-alive
 * timeout (5 s) has sent it by then; one that stays idle longer is closed by that timeout anyway.
 */
const SHED_WINDOW_MS = 10_000;

export class ConnectionShedding {
  /** Connections still to mark in this round. */
  private left = 0;
  private keepAtMost = 0;
  /** Marked to close after their response, and not closed yet. */
  private readonly closing = new Set<Socket>();
  private window: NodeJS.Timeout | null = null;
  private readonly onRequest = (req: IncomingMessage, res: ServerResponse) => this.requestArrived(req, res);

  constructor(
    private readonly server: HttpServer,
    /** Connections this worker holds open now. */
    private readonly openCount: () => number,
    /** A round starts (true) or ends (false): requests the front does not see (the native lane's) must come to it. */
    private readonly onRound: (shedding: boolean) => void = () => undefined,
  ) {}

  /** Closes what this worker holds beyond `keepAtMost`, each connection after its next response. */
  keepAtMostConnections(keepAtMost: number): void {
    this.stop();
    const excess = this.staying() - keepAtMost;
    if (excess <= 0) return;
    this.keepAtMost = keepAtMost;
    this.left = excess;
    // Before the front's own listener, so the response is marked before anything of it is decided.
    this.server.prependListener('request', this.onRequest);
    this.window = setTimeout(() => this.stop(), SHED_WINDOW_MS).unref();
    this.onRound(true);
  }

  stop(): void {
    if (!this.window) return;
    clearTimeout(this.window);
    this.window = null;
    this.left = 0;
    this.server.off('request', this.onRequest);
    this.onRound(false);
  }

  /** Open connections not marked to close. */
  private staying(): number {
    return this.openCount() - this.closing.size;
  }

  private requestArrived(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    if (this.closing.has(socket) || !keepsAlive(res)) return;
    const current = currentResponse(socket);
    if (current && current !== res) return; // pipelined behind an earlier request on this connection
    closeAfterResponse(res);
    this.closing.add(socket);
    socket.once('close', () => this.closing.delete(socket));
    // Done once the excess is marked, or once clients that left on their own made up the rest.
    if (--this.left === 0 || this.staying() <= this.keepAtMost) this.stop();
  }
}

// Node's side of the native lane (docs/ARCHITECTURE.md, "The native lane"; native/http/lane.h): a plain keep-alive
// connection whose answer PHP wrote itself is lent to the PHP thread, which reads and runs its next simple requests
// without waking Node. Node keeps the socket object, paused, and takes the connection back when the lane returns it
// (a request it does not take), when a lane request's answer needs Node (adopted: the request's bytes replayed into
// Node's parser, a responder attached to the request PHP runs), at the keep-alive timeout (closed), and on drain or
// when the read gate engages (reclaimed).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Payload } from '../native/php-face.js';
import { LANE_ID_BASE, type EmbeddedPhp, type ResponseSink } from '../php/embedded-php.js';
import type { AnswerLedger } from './answer-ledger.js';
import { plainAddress } from './front-request.js';
import { CHECK_INTERVAL_MS, KEEP_ALIVE_TIMEOUT_MS } from './front-server.js';
import { parseBeforeReading, pauseReading, resumeReading } from './node-internals.js';

/** On a socket whose lane request Node adopts: that request's id, until the front's handler takes it. */
const ADOPTED = Symbol('ephpm.laneAdopted');
type LaneSocket = Socket & { [ADOPTED]?: number };

/** The lane request whose bytes Node's parser is reading on this socket now, if any; asked once. */
export function takeAdoptedRequest(socket: Socket): number | undefined {
  const id = (socket as LaneSocket)[ADOPTED];
  (socket as LaneSocket)[ADOPTED] = undefined;
  return id;
}

/** What the lane needs of the front. */
export interface LaneOwner {
  /** Whether this connection may be lent now (not draining; the read gate lets go of it). */
  mayLend(socket: Socket): boolean;
  /** The connection is the front's again between requests: true when Node reads it on (the gate did not park it). */
  takeBack(socket: Socket): boolean;
  /** Where the lane's answers are counted and logged, as the front's own. */
  readonly ledger: AnswerLedger;
  /** How many more requests the worker may serve (max_requests), -1: no limit. */
  room(): number;
}

export class NativeLane<Sink extends ResponseSink> {
  /** Lent connections by the addon's socket id (direct-socket-choice.ts). */
  private readonly lent = new Map<number, Socket>();
  private readonly sweep: NodeJS.Timeout;
  private readonly closedFor = new Set<string>();

  constructor(
    private readonly php: EmbeddedPhp<Sink>,
    private readonly owner: LaneOwner,
  ) {
    php.on('lane-return', (socketId) => this.returned(socketId));
    php.on('lane-adopt', (id, socketId, request) => this.adopt(id, socketId, request));
    this.sweep = setInterval(() => this.closeExpired(), CHECK_INTERVAL_MS).unref();
  }

  /**
   * PHP wrote this keep-alive answer itself: the connection is lent once Node has closed its record of the response
   * (and the read gate has placed the connection between requests: its listener runs first).
   */
  lendAfter(response: ServerResponse, socketId: number): void {
    const socket = response.socket;
    if (socket && socketId >= 0) response.once('close', () => this.lend(socket, socketId));
  }

  /** The lane's answers since the last call, counted; it serves no more than the worker's room. */
  count(): void {
    const flat = this.php.lane.laneAnswered(this.owner.room());
    for (let i = 0; i + 6 < flat.length; i += 7) {
      const ms = flat[i + 1] as number;
      this.owner.ledger.answered({
        method: 'GET',
        status: flat[i] as number,
        durationMs: ms,
        bytes: flat[i + 2] as number,
        path: flat[i + 3] as string,
        userAgent: flat[i + 4] as string,
        requestId: flat[i + 5] as string,
        remoteAddress: flat[i + 6] as string,
      });
      this.owner.ledger.phpRan(ms);
    }
  }

  /**
   * Once per check interval, with the request PHP took last: the answers are counted, and a lane request PHP has run
   * past `timeoutMs` is answered 504 with `message` unless PHP began its answer. true if it was.
   */
  tick(takenId: number, runningMs: number, timeoutMs: number, message: string): boolean {
    this.count();
    if (takenId < LANE_ID_BASE || runningMs < timeoutMs) return false;
    const socketId = this.php.lane.laneAnswerInstead(takenId, message);
    if (socketId < 0) return false;
    this.returned(socketId);
    return true;
  }

  /**
   * Lending stops for `reason` (drain, the read gate engaged, connections being shed: what the front must see again)
   * and the lent connections are Node's again, until every reason is gone (reopen()).
   */
  reclaim(reason: string): void {
    this.closedFor.add(reason);
    for (const socketId of this.php.lane.laneReclaim()) this.returned(socketId);
  }

  reopen(reason: string): void {
    if (this.closedFor.delete(reason) && this.closedFor.size === 0) this.php.lane.laneReopen();
  }

  /**
   * Resolves once PHP runs no request the lane read: until then its connection looks idle to Node's server, which
   * must not close it on shutdown before the answer is written.
   */
  async settled(): Promise<void> {
    while (this.php.runsLaneRequest()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** The paths the lane leaves to Node: those with early hints (Node sends the 103 before PHP runs). */
  leaveToNode(paths: string[]): void {
    this.php.lane.laneNodePaths(paths);
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  private lend(socket: Socket, socketId: number): void {
    const state = socket as Socket & { _httpMessage?: unknown; _paused?: boolean };
    // A request Node read meanwhile (pipelined, or the next one already in), or reading paused by the gate: Node's.
    if (socket.destroyed || state._httpMessage || state._paused || !this.owner.mayLend(socket)) return;
    pauseReading(socket);
    const lent = this.php.lane.lend(
      socketId,
      plainAddress(socket.remoteAddress),
      socket.remotePort ?? 0,
      plainAddress(socket.localAddress),
      socket.localPort ?? 0,
      KEEP_ALIVE_TIMEOUT_MS / 1000,
    );
    if (!lent) return this.takeBack(socket);
    socket.setTimeout(0); // the lane keeps the keep-alive timeout now
    this.lent.set(socketId, socket);
  }

  private returned(socketId: number): void {
    const socket = this.lent.get(socketId);
    this.lent.delete(socketId);
    this.count(); // what the lane answered before is counted before what Node answers next (max_requests)
    if (!socket || socket.destroyed) return;
    socket.setTimeout(KEEP_ALIVE_TIMEOUT_MS);
    this.takeBack(socket);
  }

  private takeBack(socket: Socket): void {
    if (this.owner.takeBack(socket)) resumeReading(socket);
  }

  private adopt(id: number, socketId: number, request: Payload): void {
    const socket = this.lent.get(socketId) as LaneSocket | undefined;
    this.lent.delete(socketId);
    if (!socket || socket.destroyed) return this.php.adoptLaneRequest(id, null);
    socket[ADOPTED] = id;
    parseBeforeReading(socket, typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
    // The front's handler takes the id as Node's parser gives it the request; if it did not, nobody answers it.
    if (takeAdoptedRequest(socket) !== undefined) {
      this.php.adoptLaneRequest(id, null);
      socket.destroy();
      return;
    }
    socket.setTimeout(KEEP_ALIVE_TIMEOUT_MS);
    resumeReading(socket);
  }

  private closeExpired(): void {
    for (const socketId of this.php.lane.laneExpired()) {
      this.lent.get(socketId)?.destroy();
      this.lent.delete(socketId);
    }
  }
}

import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/server-config.js';
import type { ConnectionStateFunctions } from '../native/process-face.js';
import { queuedBehind, type EmbeddedPhp } from '../php/embedded-php.js';
import type { RawRequest } from './front-request.js';
import type { HandedConnections } from './handed-connections.js';
import type { PhpResponder } from './php-responder.js';
import { waitingBehind } from './pipelining.js';
import { ReadGate } from './read-gate.js';
import { requestBytes } from './request-replay.js';

/** Its next request arrived then (Date.now()), unread while PHP was busy: the request's arrival, for queue_timeout. */
const WAITING_SINCE = Symbol('ephpm.waitingSince');
/** Its waiting request is one more than the queue holds: answered 503 once read. */
const QUEUE_FULL = Symbol('ephpm.queueFull');
type PacedSocket = Socket & { [WAITING_SINCE]?: number; [QUEUE_FULL]?: boolean };

/** When the request just read on this socket arrived, if it waited unread (else undefined); asked once. */
export function takeWaitingSince(socket: Socket): number | undefined {
  const since = (socket as PacedSocket)[WAITING_SINCE];
  (socket as PacedSocket)[WAITING_SINCE] = undefined;
  return since;
}

/** Whether the request just read on this socket was one more than the queue holds; asked once. */
export function takeQueueFull(socket: Socket): boolean {
  const full = (socket as PacedSocket)[QUEUE_FULL] === true;
  (socket as PacedSocket)[QUEUE_FULL] = undefined;
  return full;
}

/**
 * The worker's read gate driven by what its PHP does (docs/ARCHITECTURE.md, "Reading only what PHP can start"):
 * engaged once PHP has run one request for park_after_ms or is stuck, the requests it kept waiting marked with when
 * they arrived (or as past the queue) for the front to answer, and what PHP has not started handed back to the
 * supervisor when PHP runs one request past handoff_after.
 */
export class PhpPacedReading {
  readonly gate: ReadGate;
  /** PHP runs a request Node answered 504 in its place: it takes nothing more (the worker is replaced). */
  private phpStuck = false;
  /**
   * PHP looked at every park_after_ms / 2 while the gate is engaged or holds parked connections, until neither; the
   * rest of the time the addon's timer says when a request has run park_after_ms (or, without it, this one always).
   */
  private watch: NodeJS.Timeout | null = null;
  private readonly alwaysWatch: boolean;
  private stopped = false;
  /** The gate engages (true) or opens again (false): the native lane gives its connections back, or lends again. */
  onEngage: ((engaged: boolean) => void) | null = null;

  constructor(
    private readonly config: ServerConfig,
    private readonly php: EmbeddedPhp<PhpResponder>,
    connectionState: ConnectionStateFunctions,
    connections: () => HandedConnections | null,
  ) {
    this.gate = new ReadGate(
      () => php.load + (this.phpStuck ? 1 : 0),
      connectionState,
      {
        alwaysEngaged: config.parkAfterMs === 0,
        handoffMs: config.handoffMs,
        handsOff: config.workers > 1,
        queueTimeoutMs: config.queueTimeoutMs,
      },
      (handedBack) => connections()?.handBack(handedBack),
    );
    php.onSettled = () => this.watchPhp();
    php.onLongRequest = () => this.watchPhp();
    this.alwaysWatch = config.parkAfterMs > 0 && !php.watchLongRequests(config.parkAfterMs);
    if (this.alwaysWatch) this.startWatching();
  }

  /** A connection the supervisor handed over; `waitingSince` > 0: a request on it waited unread since then. */
  connection(socket: Socket, waitingSince: number, replayed: boolean): void {
    if (waitingSince > 0) (socket as PacedSocket)[WAITING_SINCE] = waitingSince;
    this.gate.connection(socket, waitingSince, replayed);
  }

  /** PHP was answered for (504): it runs on, but the gate counts it as busy for good. */
  phpIsStuck(): void {
    this.phpStuck = true;
    this.startWatching();
  }

  /**
   * Once per check interval: parked connections' requests past the queue's room or queue_timeout are read (the front
   * answers them 503), and once PHP has run its current request for handoff_after, what it has not started moves.
   */
  check(now: number, takenId: number, runningMs: number): void {
    const phpBusyMs = this.php.isRunningOrWaiting(takenId) ? runningMs : 0;
    const room = this.config.queueSize - Math.max(0, this.php.load - 1);
    const { overflow, overdue } = this.gate.check(now, phpBusyMs, room);
    if (this.gate.handsOff && phpBusyMs >= this.config.handoffMs) this.handBackUnstarted(takenId);
    for (const socket of overflow) (socket as PacedSocket)[QUEUE_FULL] = true;
    for (const { socket, waitingSince } of overdue) (socket as PacedSocket)[WAITING_SINCE] = waitingSince;
  }

  /** PHP is stuck and the worker leaves: parked connections, and requests PHP has not started, go to other workers. */
  handBackParked(): void {
    // The supervisor sends this worker nothing more: they go to the others, or wait for its replacement.
    this.handBackUnstarted(this.php.taken()[0]);
    this.gate.handBackAll();
  }

  stop(): void {
    this.stopped = true;
    this.stopWatching();
  }

  /** Engages the read gate while PHP has run its current request for park_after_ms (or is stuck), reads on otherwise. */
  private watchPhp(): void {
    const [takenId, runningMs] = this.php.taken();
    const engaged = this.phpStuck || (runningMs >= this.config.parkAfterMs && this.php.isRunningOrWaiting(takenId));
    if (engaged !== this.gate.isEngaged) this.onEngage?.(engaged);
    this.gate.engage(engaged);
    this.gate.reconsider();
    if (engaged || this.gate.holdsParked) this.startWatching();
    else if (!this.alwaysWatch) this.stopWatching();
  }

  private startWatching(): void {
    if (this.stopped || this.config.parkAfterMs === 0) return;
    this.watch ??= setInterval(() => this.watchPhp(), Math.max(2, this.config.parkAfterMs / 2)).unref();
  }

  private stopWatching(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
  }

  /** Requests read and not started by PHP (taken back from it) go, with their connections, to another worker. */
  private handBackUnstarted(takenId: number): void {
    const moving: Array<{ socket: Socket; waitingSince: number; replay: Buffer }> = [];
    for (const [id, responder] of this.php.waiting()) {
      const req = queuedBehind(id, takenId) ? (responder.movable as RawRequest | null) : null;
      // Not one with requests read behind it on its connection: those could not follow it.
      if (!req?.socket || req.socket.destroyed || waitingBehind(req.socket) > 0 || !this.php.cancel(id)) continue;
      this.php.forget(id);
      const target = req.url ?? '/';
      moving.push({
        socket: req.socket,
        waitingSince: responder.arrivedAt,
        replay: requestBytes(req.method!, target, req.httpVersion, req.rawHeaders, responder.movableBody),
      });
    }
    if (moving.length > 0) this.gate.handBack(moving);
  }
}

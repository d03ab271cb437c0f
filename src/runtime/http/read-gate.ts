// Which of a worker's connections it reads (docs/ARCHITECTURE.md, "Reading only what PHP can start"). A request
// read into a worker is lost with it if the process dies; one left unread in the kernel is not: the supervisor holds
// a copy of every connection and gives a parked one to another worker. Once PHP has run one request for
// `park_after_ms` (or always, with 0), the gate is engaged: a keep-alive connection between requests is parked, not
// read and marked on the connection itself (O_APPEND, native/node/connection_state_napi.cc), where the supervisor can
// still see the mark after the worker died, until PHP can start a request. Parked connections are then read again,
// the one parked longest first. Short requests never engage it: under load every connection always has a request
// waiting, and parking each between two of them cost two thirds of a hello-world worker's throughput.
import type { Socket } from 'node:net';
import type { ConnectionStateFunctions } from '../native/process-face.js';
import { pauseReading, resumeReading, socketDescriptor } from './node-internals.js';

interface ParkedState {
  /** Date.now() when bytes were first seen unread on it (a request waiting), 0 while none were. */
  waitingSince: number;
  /** Date.now() when it was parked here: a connection moves on at most once per `handoffMs`. */
  parkedAt: number;
}

export interface ReadGateOptions {
  /** Always engaged (`park_after_ms` = 0): no request is read before PHP can start it. */
  alwaysEngaged: boolean;
  /** PHP has run its current request this long: parked connections with a request waiting go to another worker. */
  handoffMs: number;
  /** Whether there are other workers to give connections to. */
  handsOff: boolean;
  /** A parked connection's request that waited this long is read anyway (and answered 503 if PHP is still busy). */
  queueTimeoutMs: number;
}

export class ReadGate {
  /** Insertion order is the order they were parked: the longest parked is read first. */
  private parked = new Map<Socket, ParkedState>();
  /** Connections read while the gate is open, between requests (no request on them in progress). */
  private readonly idle = new Set<Socket>();
  /** Taken from the head of `parked` to be read; back to the head, in order, if no request came from them meanwhile. */
  private trying = new Map<Socket, ParkedState>();
  /** Requests read and not yet with PHP (static lookup, refusals), whose answer is still to come. */
  private admitted = 0;
  private widening = 0;
  private stopped = false;
  private engaged: boolean;

  constructor(
    private readonly phpLoad: () => number,
    private readonly native: ConnectionStateFunctions,
    private readonly options: ReadGateOptions,
    /** Gives connections back to the supervisor (public: the front gives back requests PHP has not started). */
    readonly handBack: (connections: Array<{ socket: Socket; waitingSince: number; replay?: Buffer }>) => void,
  ) {
    this.engaged = options.alwaysEngaged;
  }

  get isOpen(): boolean {
    return this.stopped || !this.engaged || this.phpLoad() + this.admitted < 1;
  }

  /** Whether keep-alive connections are parked between requests now. */
  get isEngaged(): boolean {
    return this.engaged;
  }

  /** Whether connections wait parked (or are being tried) to be read again. */
  get holdsParked(): boolean {
    return this.parked.size > 0 || this.trying.size > 0;
  }

  /** PHP has run its current request for park_after_ms (true), or took a new one (false). */
  engage(engaged: boolean): void {
    if (this.options.alwaysEngaged || engaged === this.engaged) return;
    this.engaged = engaged;
    if (engaged) {
      if (!this.isOpen) this.close();
    } else {
      this.reconsider();
    }
  }

  /**
   * A connection this worker was handed; `waitingSince`: its request already waited (handed back by another worker).
   * `replayed`: its request comes with it, read by the worker that gave it back: it is read here at once.
   */
  connection(socket: Socket, waitingSince = 0, replayed = false): void {
    // Node's http server resumes reading on 'drain' (its own back-pressure): a parked connection stays parked.
    socket.on('drain', () => {
      if (this.parked.has(socket)) pauseReading(socket);
    });
    socket.once('close', () => {
      this.parked.delete(socket);
      this.trying.delete(socket);
      this.idle.delete(socket);
    });
    if (this.isOpen || replayed) {
      this.native.markParked(socketDescriptor(socket), false); // it may come marked by the worker that had it
      this.idle.add(socket);
    } else {
      this.park(socket, waitingSince);
    }
  }

  /**
   * A request arrived on `socket`: marked as owed an answer until its first byte goes out (answering()). It holds
   * a place until released(): once it is with PHP, answered, or reading its body.
   */
  arrived(socket: Socket): void {
    this.idle.delete(socket);
    this.trying.delete(socket);
    const fd = socketDescriptor(socket);
    if (this.parked.delete(socket)) this.native.markParked(fd, false);
    this.native.markAnswering(fd, true);
    this.admitted++;
    if (!this.isOpen) this.close();
  }

  released(): void {
    this.admitted--;
    this.reconsider();
  }

  /**
   * The native lane takes this connection between requests (native-lane.ts): the gate lets go of it. false when the
   * gate holds it otherwise (parked, being read).
   */
  lend(socket: Socket): boolean {
    return this.idle.delete(socket);
  }

  /** The native lane gave the connection back between requests: idle (true, Node reads it) or parked, as any. */
  lentBack(socket: Socket): boolean {
    this.between(socket);
    return this.idle.has(socket);
  }

  /** A request was read from the connection and waits its turn behind the answer before it. */
  answerOwed(socket: Socket): void {
    this.native.markAnswering(socketDescriptor(socket), true);
  }

  /** The first byte of the connection's answer is about to be written (PHP's direct writes unmark it themselves). */
  answering(socket: Socket): void {
    this.native.markAnswering(socketDescriptor(socket), false);
  }

  /**
   * The connection has no request in progress any more (its last response is written) and stays open. It is
   * parked behind those already waiting, even with the gate open: read at once, a client that answers fast would
   * always beat them to it.
   */
  between(socket: Socket): void {
    if (socket.destroyed || this.parked.has(socket)) return;
    if (this.isOpen && this.parked.size === 0) this.idle.add(socket);
    else this.park(socket, 0);
  }

  /** PHP answered a request (or it was taken from it): reads parked connections again if there is room. */
  reconsider(): void {
    if (this.isOpen && this.parked.size > 0 && this.widening === 0) this.readParked();
  }

  /** Parked connections whose next request has arrived, unread (each one's descriptor is asked now). */
  countWaiting(now = Date.now()): number {
    let waiting = 0;
    for (const [socket, state] of this.parked) {
      if (state.waitingSince === 0) {
        const known = this.native.connectionState(socketDescriptor(socket));
        if (known && known[1] > 0) state.waitingSince = now;
      }
      if (state.waitingSince > 0) waiting++;
    }
    return waiting;
  }

  /**
   * Once per check interval, for the requests waiting unread on parked connections. Those past the `room` left in
   * the queue (the newest) and those that waited `queueTimeoutMs` are read now: the caller answers them 503
   * (queue full, or queue timeout if PHP is still busy). Once PHP has run its current request for `handoffMs`, the
   * others go to the supervisor for another worker.
   */
  check(
    now: number,
    phpRunningMs: number,
    room: number,
  ): { overflow: Socket[]; overdue: Array<{ socket: Socket; waitingSince: number }> } {
    this.countWaiting(now);
    const waiting = [...this.parked].filter(([, state]) => state.waitingSince > 0);
    if (waiting.length === 0) return { overflow: [], overdue: [] };
    waiting.sort((a, b) => a[1].waitingSince - b[1].waitingSince); // stable: among equals, the one parked first
    const overflow = waiting.splice(Math.max(0, room)).map(([socket]) => socket);
    const overdue: Array<{ socket: Socket; waitingSince: number }> = [];
    const movable: Array<{ socket: Socket; waitingSince: number }> = [];
    for (const [socket, state] of waiting) {
      if (now - state.waitingSince >= this.options.queueTimeoutMs)
        overdue.push({ socket, waitingSince: state.waitingSince });
      else if (now - state.parkedAt >= this.options.handoffMs)
        movable.push({ socket, waitingSince: state.waitingSince });
    }
    for (const socket of overflow) this.unpark(socket, this.idle);
    for (const { socket } of overdue) this.unpark(socket, this.idle);
    if (this.options.handsOff && phpRunningMs >= this.options.handoffMs && movable.length > 0) {
      for (const { socket } of movable) this.parked.delete(socket);
      this.handBack(movable);
    }
    return { overflow, overdue };
  }

  /** Whether there are other workers to give connections to. */
  get handsOff(): boolean {
    return this.options.handsOff;
  }

  /** The worker is leaving: every parked connection goes to another worker (their clients lose nothing). */
  handBackAll(): void {
    const all = [...this.parked].map(([socket, state]) => ({ socket, waitingSince: state.waitingSince }));
    this.parked.clear();
    this.stopped = true;
    if (all.length > 0) this.handBack(all);
  }

  /** The worker stops for good: everything is read again (what arrives is answered, with `Connection: close`). */
  stop(): void {
    this.stopped = true;
    for (const socket of [...this.parked.keys()]) this.unpark(socket, this.idle);
  }

  /** Parks what is being read: those tried from the head go back to the head, in their order; the idle ones behind all. */
  private close(): void {
    if (this.trying.size > 0) {
      for (const [socket, state] of this.trying) this.park(socket, state.waitingSince, false);
      this.parked = new Map([...this.trying, ...this.parked]);
      this.trying = new Map();
    }
    for (const socket of this.idle) this.park(socket, 0);
    this.idle.clear();
  }

  private park(socket: Socket, waitingSince: number, atTheEnd = true): void {
    pauseReading(socket);
    this.native.markParked(socketDescriptor(socket), true);
    if (atTheEnd) this.parked.set(socket, { waitingSince, parkedAt: Date.now() });
  }

  private unpark(socket: Socket, into: Set<Socket> | Map<Socket, ParkedState>): void {
    const state = this.parked.get(socket);
    this.parked.delete(socket);
    // Unmarked before a byte can be read: the mark always means "nothing of its next request was read".
    this.native.markParked(socketDescriptor(socket), false);
    resumeReading(socket);
    if (into instanceof Map) into.set(socket, state ?? { waitingSince: 0, parkedAt: Date.now() });
    else into.add(socket);
  }

  /**
   * Reads the connection parked longest; if no request came from it by the next turn of the event loop (its client
   * is idle), two more, then four, … until one comes or none is left.
   */
  private readParked(): void {
    this.widening = 1;
    const step = () => {
      if (!this.isOpen || this.parked.size === 0) {
        this.widening = 0;
        return;
      }
      const count = this.widening;
      const head: Socket[] = [];
      for (const socket of this.parked.keys()) {
        if (head.push(socket) === count) break;
      }
      for (const socket of head) this.unpark(socket, this.trying);
      this.widening *= 2;
      // The first immediate runs before the next poll for I/O; the second after it, once the reads came in.
      setImmediate(() => setImmediate(step));
    };
    step();
  }
}

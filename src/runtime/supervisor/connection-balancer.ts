import { createServer, type Server, type Socket } from 'node:net';
import { EphpmError } from '../errors.js';
import { socketDescriptor } from '../http/node-internals.js';
import type { HandedBackConnection, SupervisorMessage } from '../ipc/process-messages.js';
import type { UnstartedRequests } from './request-journal.js';
import type { WorkerSlot } from './worker-slot.js';

interface Handed {
  socket: Socket;
  slot: WorkerSlot;
  /** The worker said it has it (until then it may never have seen it). */
  confirmed: boolean;
}

/** What a dead worker's connections are, read from the kernel (native/node/connection_state_napi.cc). */
export type ConnectionStateReader = (
  fd: number,
) => [parked: boolean, unread: number, owesAnswer: boolean, startsRequest: boolean] | null;

interface Load {
  open: number;
  /** When it was last given a connection (a counter): among equals, the one that waited longest gets the next. */
  lastGiven: number;
}

/**
 * The server's listening socket, held by the supervisor: each new connection goes to the accepting worker with
 * the fewest open connections, in turn among equals. (Node's cluster gives a burst of connections, a proxy's or a benchmark's
 * keep-alive pool, to whichever worker answers first: measured 29 / 71 % between two workers, and the clients
 * of the busier one waited twice as long.) The supervisor keeps its copy of every connection it handed out until
 * the worker says it closed, so a connection outlives the worker it was given to: one sent to a worker that is
 * draining or exits before taking it, one a busy worker gives back with its next request unread, and one a dead
 * worker had parked (docs/ARCHITECTURE.md, "Reading only what PHP can start") go to another worker.
 */
export class ConnectionBalancer {
  /** Workers that take connections, and how many of theirs are open. */
  private readonly open = new Map<WorkerSlot, Load>();
  /** Every connection a worker has (or was sent), by id: the supervisor's copy of its descriptor. */
  private readonly handed = new Map<number, Handed>();
  /** Connections that arrived while no worker took any (all starting or replaced). */
  private readonly waiting: Array<{ socket: Socket; waitingSince: number; replay?: string }> = [];
  private nextId = 0;
  private stopped = false;

  private constructor(
    private readonly server: Server,
    private readonly readState: ConnectionStateReader,
  ) {
    server.on('connection', (socket) => this.handOut(socket));
  }

  /** Listens on host:port (0: a free port); a port in use is an error that says what to do. */
  static listen(host: string, port: number, readState: ConnectionStateReader): Promise<ConnectionBalancer> {
    const server = createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
      server.listen({ host, port, exclusive: true }, () => resolve(new ConnectionBalancer(server, readState)));
    });
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** The worker takes new connections from now on. */
  accept(slot: WorkerSlot): void {
    if (this.open.has(slot)) return;
    this.open.set(slot, { open: 0, lastGiven: 0 });
    for (const { socket, waitingSince, replay } of this.waiting.splice(0))
      this.handOut(socket, waitingSince, null, replay);
  }

  /**
   * A worker started serving (a replacement, after a crash, a reload or a hand-over): keep-alive clients stay on
   * the workers they are connected to, so new connections alone would never even the spread (a pool that
   * reconnected to the survivor while the replacement booted stays there). Every worker above an even share of
   * all open connections is asked to close its excess, each after a response; their clients reconnect and are
   * handed to the workers with the fewest. Workers `leaving` (replaced, draining) get no share: their clients
   * move anyway. One message per worker per start, nothing per request.
   */
  evenOut(leaving: (slot: WorkerSlot) => boolean): void {
    let total = 0;
    const staying: Array<[WorkerSlot, Load]> = [];
    for (const [slot, load] of this.open) {
      total += load.open;
      if (!leaving(slot)) staying.push([slot, load]);
    }
    if (staying.length < 2) return;
    const share = Math.ceil(total / staying.length);
    for (const [slot, load] of staying) {
      if (load.open > share) slot.send({ type: 'shed-connections', keepAtMost: share });
    }
  }

  /** The worker drains: it takes no more, and gives back what it is sent meanwhile. */
  stopSending(slot: WorkerSlot): void {
    this.open.delete(slot);
  }

  /**
   * The worker exited. What it never confirmed, what it had parked (its next request, if any, unread), and what had
   * requests queued for its PHP that PHP had not started (`unstarted`, from its journal: sent as bytes the next worker
   * parses first) goes to another worker, as does one it read between requests whose next request is still unread
   * (its bytes begin a request line). A connection it had read a request from and never answered gets a 502
   * (nginx's answer when php-fpm's child dies); any other (a response cut off, an idle one) is closed.
   */
  gone(slot: WorkerSlot, unstarted: UnstartedRequests): void {
    this.open.delete(slot);
    for (const [id, handed] of this.handed) {
      if (handed.slot !== slot) continue;
      this.handed.delete(id);
      const queued = id !== unstarted.runningConnection ? unstarted.byConnection.get(id) : undefined;
      if (queued) {
        this.handOut(handed.socket, 0, null, queued.toString('latin1'));
        continue;
      }
      const state = handed.confirmed
        ? this.readState(socketDescriptor(handed.socket))
        : ([true, 0, false, false] as const);
      if (state?.[0]) this.handOut(handed.socket);
      else if (state?.[2]) answerBadGateway(handed.socket);
      // Read between requests (the gate not engaged) with the next one still unread: nothing of it was read.
      else if (state?.[3]) this.handOut(handed.socket);
      else handed.socket.destroy();
    }
  }

  /** The worker has the connection (the supervisor keeps its copy until the worker says it closed). */
  confirmed(id: number): void {
    const handed = this.handed.get(id);
    if (handed) handed.confirmed = true;
  }

  /** A draining worker gave the connection back unread: it gets no more (it may not have said it drains yet). */
  returned(id: number): void {
    const handed = this.handed.get(id);
    if (!handed) return;
    this.handed.delete(id);
    this.open.delete(handed.slot);
    this.handOut(handed.socket);
  }

  /**
   * A busy worker gave back parked connections whose next request waits unread: each goes to another worker (the
   * same one if no other takes connections), and says how long its request has waited (for queue_timeout).
   */
  handedBack(slot: WorkerSlot, connections: HandedBackConnection[]): void {
    for (const { id, waitingSince, replay } of connections) {
      const handed = this.handed.get(id);
      if (!handed || handed.slot !== slot) continue;
      this.handed.delete(id);
      const load = this.open.get(slot);
      if (load) load.open = Math.max(0, load.open - 1);
      this.handOut(handed.socket, waitingSince, slot, replay);
    }
  }

  /** The worker closed these connections: the supervisor's copies close too (the client sees the close now). */
  closed(slot: WorkerSlot, ids: number[]): void {
    const load = this.open.get(slot);
    for (const id of ids) {
      const handed = this.handed.get(id);
      if (!handed || handed.slot !== slot) continue;
      this.handed.delete(id);
      closeLingering(handed.socket);
      if (load) load.open = Math.max(0, load.open - 1);
    }
  }

  /** Stops listening (the server stops); a connection no worker takes from now on is closed. */
  close(): void {
    this.stopped = true;
    this.server.close();
    for (const { socket } of this.waiting.splice(0)) socket.destroy();
  }

  private handOut(socket: Socket, waitingSince = 0, avoid: WorkerSlot | null = null, replay?: string): void {
    if (socket.destroyed) return;
    const slot = this.leastBusy(avoid) ?? this.leastBusy(null);
    if (!slot) {
      if (this.stopped) socket.destroy();
      else this.waiting.push({ socket, waitingSince, replay });
      return;
    }
    const id = ++this.nextId;
    this.handed.set(id, { socket, slot, confirmed: false });
    const load = this.open.get(slot)!;
    load.open++;
    load.lastGiven = id;
    const message: SupervisorMessage = {
      type: 'connection',
      id,
      ...(waitingSince > 0 ? { waitingSince } : {}),
      ...(replay ? { replay } : {}),
    };
    slot.child.send(message, socket, { keepOpen: true }, (error) => {
      // Its channel closed: the worker is exiting, and gone() gives the connection to another.
      if (error) this.stopSending(slot);
    });
  }

  private leastBusy(avoid: WorkerSlot | null): WorkerSlot | null {
    let best: WorkerSlot | null = null;
    let bestLoad: Load | null = null;
    for (const [slot, load] of this.open) {
      if (slot === avoid) continue;
      if (
        !bestLoad ||
        load.open < bestLoad.open ||
        (load.open === bestLoad.open && load.lastGiven < bestLoad.lastGiven)
      ) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }
}

/**
 * Closes the last copy of a connection without resetting it: what the client still sends (the rest of a body the
 * worker refused, 413 or 507) is read and dropped until it closes too, or 5 s, as nginx's lingering close. Closing
 * with unread bytes would send a reset, and the client's kernel would drop the answer it had not read yet.
 */
function closeLingering(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.once('end', () => socket.destroy());
  socket.resume();
  socket.end();
  setTimeout(() => socket.destroy(), 5000).unref();
}

const BAD_GATEWAY_BODY = '502 Bad Gateway: the worker running this request died; it did not finish.\n';

/** The answer owed by a worker that died: sent, then the connection closes once the client has it. */
function answerBadGateway(socket: Socket): void {
  socket.once('end', () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${BAD_GATEWAY_BODY.length}\r\nConnection: close\r\n\r\n${BAD_GATEWAY_BODY}`,
  );
  // Whatever the client still sends is read and dropped, so the close does not reset the answer away.
  socket.resume();
  setTimeout(() => socket.destroy(), 5000).unref();
}

/** What to do about a port another program holds (here, and in `ephpm doctor`). */
export function portInUseHint(port: number): string {
  return `pick another: ephpm serve --port ${port + 1}  (or see who has it: ss -ltnp 'sport = :${port}')`;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new EphpmError('EPHPM_PORT_IN_USE', `${host}:${port} is in use by another program.`, portInUseHint(port));
  }
  if (error.code === 'EACCES') {
    return new EphpmError(
      'EPHPM_PORT_DENIED',
      `Listening on ${host}:${port} is not allowed for this user.`,
      'Ports below 1024 need root or CAP_NET_BIND_SERVICE: pick a port above 1023.',
    );
  }
  return new EphpmError(
    'EPHPM_LISTEN_FAILED',
    `Cannot listen on ${host}:${port}: ${error.message}.`,
    'Check the host address: it must belong to this machine.',
  );
}

import { createServer, type Server, type Socket } from 'node:net';
import { EphpmError } from '../errors.js';
import type { WorkerSlot } from './worker-slot.js';

interface Handed {
  socket: Socket;
  slot: WorkerSlot;
}

interface Load {
  open: number;
  /** When it was last given a connection (a counter): among equals, the one that waited longest gets the next. */
  lastGiven: number;
}

/**
 * The server's listening socket, held by the supervisor: each new connection goes to the accepting worker with
 * the fewest open connections, in turn among equals. (Node's cluster gives a burst of connections, a proxy's or a benchmark's
 * keep-alive pool, to whichever worker answers first: measured 29 / 71 % between two workers, and the clients
 * of the busier one waited twice as long.) A worker confirms each connection; until then the supervisor keeps
 * its copy, so a connection sent to a worker that is draining or exits goes to another one.
 */
export class ConnectionBalancer {
  /** Workers that take connections, and how many of theirs are open. */
  private readonly open = new Map<WorkerSlot, Load>();
  private readonly unconfirmed = new Map<number, Handed>();
  /** Connections that arrived while no worker took any (all starting or replaced). */
  private readonly waiting: Socket[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => this.handOut(socket));
  }

  /** Listens on host:port (0: a free port); a port in use is an error that says what to do. */
  static listen(host: string, port: number): Promise<ConnectionBalancer> {
    const server = createServer({ pauseOnConnect: true });
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
      server.listen({ host, port, exclusive: true }, () => resolve(new ConnectionBalancer(server)));
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
    for (const socket of this.waiting.splice(0)) this.handOut(socket);
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

  /** The worker exited: what it did not confirm goes to another. */
  gone(slot: WorkerSlot): void {
    this.open.delete(slot);
    for (const [id, handed] of this.unconfirmed) {
      if (handed.slot !== slot) continue;
      this.unconfirmed.delete(id);
      this.handOut(handed.socket);
    }
  }

  /** The worker has the connection: the supervisor's copy of the descriptor is closed (the connection stays). */
  confirmed(id: number): void {
    this.unconfirmed.get(id)?.socket.destroy();
    this.unconfirmed.delete(id);
  }

  /** A draining worker gave the connection back unread: it gets no more (it may not have said it drains yet). */
  returned(id: number): void {
    const handed = this.unconfirmed.get(id);
    if (!handed) return;
    this.unconfirmed.delete(id);
    this.open.delete(handed.slot);
    this.handOut(handed.socket);
  }

  countClosed(slot: WorkerSlot, count: number): void {
    const load = this.open.get(slot);
    if (load) load.open = Math.max(0, load.open - count);
  }

  /** Stops listening (the server stops); a connection no worker takes from now on is closed. */
  close(): void {
    this.closed = true;
    this.server.close();
    for (const socket of this.waiting.splice(0)) socket.destroy();
  }

  private handOut(socket: Socket): void {
    if (socket.destroyed) return;
    const slot = this.leastBusy();
    if (!slot) {
      if (this.closed) socket.destroy();
      else this.waiting.push(socket);
      return;
    }
    const id = ++this.nextId;
    this.unconfirmed.set(id, { socket, slot });
    const load = this.open.get(slot)!;
    load.open++;
    load.lastGiven = id;
    slot.child.send({ type: 'connection', id }, socket, { keepOpen: true }, (error) => {
      // Its channel closed: the worker is exiting, and gone() gives the connection to another.
      if (error) this.stopSending(slot);
    });
  }

  private leastBusy(): WorkerSlot | null {
    let best: WorkerSlot | null = null;
    let bestLoad: Load | null = null;
    for (const [slot, load] of this.open) {
      if (!bestLoad || load.open < bestLoad.open || (load.open === bestLoad.open && load.lastGiven < bestLoad.lastGiven)) {
        best = slot;
        bestLoad = load;
      }
    }
    return best;
  }
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
    return new EphpmError('EPHPM_PORT_DENIED', `Listening on ${host}:${port} is not allowed for this user.`, 'Ports below 1024 need root or CAP_NET_BIND_SERVICE: pick a port above 1023.');
  }
  return new EphpmError('EPHPM_LISTEN_FAILED', `Cannot listen on ${host}:${port}: ${error.message}.`, 'Check the host address: it must belong to this machine.');
}

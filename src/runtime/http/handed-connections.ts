// A worker's side of the supervisor's ConnectionBalancer: the connections it is handed, confirmed within the turn,
// given back while the worker drains, and counted until they close (the balancer sends new ones to the
// worker with the fewest open; drain waits for the last one to close); its excess shed when asked.
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { tellSupervisor } from '../supervisor/child-side.js';
import type { SupervisorMessage, WorkerMessage } from '../supervisor/process-messages.js';
import { ConnectionShedding } from './connection-shedding.js';
import { servesHandedConnections } from './node-internals.js';

export class HandedConnections {
  private server: HttpServer | null = null;
  private shedding: ConnectionShedding | null = null;
  private refusing = false;
  private open = 0;
  private takenUnreported: number[] = [];
  private closedUnreported = 0;
  private reportPending = false;
  private allClosedWaiters: Array<() => void> = [];

  constructor() {
    process.on('message', (message: SupervisorMessage, handle: unknown) => {
      if (message.type === 'connection') this.received(message.id, handle as Socket | undefined);
      if (message.type === 'shed-connections' && !this.refusing) this.shedding?.keepAtMostConnections(message.keepAtMost);
    });
  }

  /** From now on, connections go to `server` (the HTTP front, or ephpm dev's boot error page), which never listens. */
  serveWith(server: HttpServer): void {
    servesHandedConnections(server);
    this.server = server;
    this.shedding = new ConnectionShedding(server, () => this.open);
  }

  /** Draining: whatever is sent from now on goes back to the supervisor, for another worker. */
  refuse(): void {
    this.refusing = true;
    this.shedding?.stop(); // every connection closes now
  }

  get openCount(): number {
    return this.open;
  }

  /** Resolves once every connection this worker took has closed. */
  allClosed(): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => this.allClosedWaiters.push(resolve));
  }

  private received(id: number, socket: Socket | undefined): void {
    if (!socket) return; // it closed on the way
    if (this.refusing || !this.server) {
      tell({ type: 'connection-returned', id });
      socket.destroy(); // this process's copy; the supervisor still holds the connection
      return;
    }
    this.takenUnreported.push(id);
    this.report();
    this.open++;
    socket.once('close', () => this.closed());
    // The client's FIN must not end our side: responses may still be owed (the HTTP server closes after them).
    socket.allowHalfOpen = true;
    this.server.emit('connection', socket);
  }

  private closed(): void {
    this.open--;
    this.closedUnreported++;
    this.report();
    if (this.open === 0) for (const resolve of this.allClosedWaiters.splice(0)) resolve();
  }

  /** Connections come and go in bursts: one message per turn of the event loop says what changed. */
  private report(): void {
    if (this.reportPending) return;
    this.reportPending = true;
    setImmediate(() => {
      tell({ type: 'connections', taken: this.takenUnreported, closed: this.closedUnreported });
      this.takenUnreported = [];
      this.closedUnreported = 0;
      this.reportPending = false;
    });
  }
}

const tell = (message: WorkerMessage) => tellSupervisor(message);

// A worker's side of the supervisor's ConnectionBalancer: the connections it is handed, confirmed within the turn,
// given back while the worker drains or, parked with a request unread, while its PHP is busy, and reported when
// they close (the supervisor then closes its copy; the balancer sends new ones to the worker with the fewest open;
// drain waits for the last one to close); its excess shed when asked.
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { tellSupervisor } from '../ipc/child-side.js';
import type { SupervisorMessage, WorkerMessage } from '../ipc/process-messages.js';
import { ConnectionShedding } from './connection-shedding.js';
import type { Http2Front } from './http2-server.js';
import { parseBeforeReading, servesHandedConnections } from './node-internals.js';

const CONNECTION_ID = Symbol('ephpm.connectionId');
/** Given back to the supervisor: its close here is not the connection's. */
const HANDED_BACK = Symbol('ephpm.handedBack');
type HandedSocket = Socket & { [CONNECTION_ID]?: number; [HANDED_BACK]?: boolean };

/** The supervisor's id of a connection this worker was handed (0: none). */
export function connectionId(socket: Socket): number {
  return (socket as HandedSocket)[CONNECTION_ID] ?? 0;
}

/**
 * Called with each connection once the HTTP server has it; `waitingSince`: its request already waits (ms epoch), or
 * 0; `replay`: the request another worker read from it and gave back unstarted.
 */
export type ConnectionAdopter = (socket: Socket, waitingSince: number, replay: Buffer | null) => void;

export class HandedConnections {
  private server: HttpServer | null = null;
  private adopt: ConnectionAdopter | null = null;
  private cleartextHttp2: Http2Front | null = null;
  private shedding: ConnectionShedding | null = null;
  private refusing = false;
  private open = 0;
  private takenUnreported: number[] = [];
  private closedUnreported: number[] = [];
  private reportPending = false;
  private allClosedWaiters: Array<() => void> = [];
  /** Told when a round of shedding starts and ends (the native lane gives its connections back meanwhile). */
  onShedding: (shedding: boolean) => void = () => undefined;

  constructor() {
    process.on('message', (message: SupervisorMessage, handle: unknown) => {
      if (message.type === 'connection')
        this.received(message.id, handle as Socket | undefined, message.waitingSince ?? 0, message.replay);
      if (message.type === 'shed-connections' && !this.refusing)
        this.shedding?.keepAtMostConnections(message.keepAtMost);
    });
  }

  /**
   * From now on, connections go to `server` (the HTTP front, or ephpm dev's boot error page), which never listens;
   * with `cleartextHttp2` (h2c), those that open with HTTP/2's preface go there instead (never adopted: they are not
   * parked, nor handed back).
   */
  serveWith(
    server: HttpServer,
    adopt: ConnectionAdopter | null = null,
    cleartextHttp2: Http2Front | null = null,
  ): void {
    servesHandedConnections(server);
    this.server = server;
    this.adopt = adopt;
    this.cleartextHttp2 = cleartextHttp2;
    this.shedding = new ConnectionShedding(
      server,
      () => this.open,
      (shedding) => this.onShedding(shedding),
    );
  }

  /** Draining: whatever is sent from now on goes back to the supervisor, for another worker. */
  refuse(): void {
    this.refusing = true;
    this.shedding?.stop(); // every connection closes now
  }

  /** Gives connections back to the supervisor, their next request unread in the kernel, for another worker. */
  handBack(connections: Array<{ socket: Socket; waitingSince: number; replay?: Buffer }>): void {
    const handed = connections.filter(
      ({ socket }) => !socket.destroyed && (socket as HandedSocket)[CONNECTION_ID] !== undefined,
    );
    if (handed.length === 0) return;
    tell({
      type: 'connections-handed-back',
      connections: handed.map(({ socket, waitingSince, replay }) => ({
        id: (socket as HandedSocket)[CONNECTION_ID]!,
        waitingSince,
        ...(replay ? { replay: replay.toString('latin1') } : {}),
      })),
    });
    for (const { socket } of handed) {
      (socket as HandedSocket)[HANDED_BACK] = true;
      socket.destroy(); // this process's descriptor only: the supervisor's copy keeps the connection open
    }
  }

  get openCount(): number {
    return this.open;
  }

  /** Resolves once every connection this worker took has closed. */
  allClosed(): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => this.allClosedWaiters.push(resolve));
  }

  private received(id: number, socket: Socket | undefined, waitingSince: number, replay: string | undefined): void {
    if (!socket) return; // it closed on the way
    if (this.refusing || !this.server) {
      tell({ type: 'connection-returned', id });
      socket.destroy(); // this process's copy; the supervisor still holds the connection
      return;
    }
    (socket as HandedSocket)[CONNECTION_ID] = id;
    this.takenUnreported.push(id);
    this.report();
    this.open++;
    socket.once('close', () => this.closed(socket as HandedSocket));
    // The client's FIN must not end our side: responses may still be owed (the HTTP server closes after them).
    socket.allowHalfOpen = true;
    // A connection handed back by another worker was HTTP/1.1 there (HTTP/2 ones never move).
    if (this.cleartextHttp2 && waitingSince === 0 && replay === undefined)
      return this.cleartextHttp2.sniff(socket, (firstBytes) => this.serveHttp1(socket, 0, firstBytes));
    this.serveHttp1(socket, waitingSince, replay === undefined ? null : Buffer.from(replay, 'latin1'));
  }

  /** `firstBytes`: read from the connection already (a replayed request, or what h2c's sniffing read). */
  private serveHttp1(socket: Socket, waitingSince: number, firstBytes: Buffer | null): void {
    if (socket.destroyed || !this.server) return;
    this.server.emit('connection', socket);
    if (this.adopt) this.adopt(socket, waitingSince, firstBytes);
    else if (firstBytes && !parseBeforeReading(socket, firstBytes)) socket.destroy();
  }

  private closed(socket: HandedSocket): void {
    this.open--;
    if (!socket[HANDED_BACK]) {
      this.closedUnreported.push(socket[CONNECTION_ID]!);
      this.report();
    }
    if (this.open === 0) for (const resolve of this.allClosedWaiters.splice(0)) resolve();
  }

  /** Connections come and go in bursts: one message per turn of the event loop says what changed. */
  private report(): void {
    if (this.reportPending) return;
    this.reportPending = true;
    setImmediate(() => {
      tell({ type: 'connections', taken: this.takenUnreported, closed: this.closedUnreported });
      this.takenUnreported = [];
      this.closedUnreported = [];
      this.reportPending = false;
    });
  }
}

const tell = (message: WorkerMessage) => tellSupervisor(message);

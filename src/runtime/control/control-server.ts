import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { isEphpmError } from '../errors.js';
import { listenOwnerOnly, socketPathBeside } from '../owner-only-socket.js';

export type ControlCommand = 'status' | 'metrics' | 'reload' | 'stop' | 'cluster-rows';

export interface ControlHandlers {
  status(): Promise<unknown>;
  /** Everything counted (`ephpm top`): a MetricsSnapshot. */
  metrics(): Promise<unknown>;
  reload(): Promise<void>;
  stop(): Promise<void>;
  /** Cluster mode: the cluster's copy of one table, read from Redis by the server (`ephpm table:dump --cluster`). */
  clusterRows(table: string): Promise<unknown>;
}

export interface ControlReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; hint?: string };
}

/** The control socket lives beside the state file (or in the temp dir when that path is too long). */
export function controlSocketPath(stateFile: string): string {
  return socketPathBeside(stateFile, 'control.sock');
}

/**
 * The supervisor's local control channel: a unix socket only its owner can
 * open (mode 0600), one JSON line in, one JSON line out.
 */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    private readonly path: string,
  ) {}

  static async listen(path: string, handlers: ControlHandlers): Promise<ControlServer> {
    const server = createServer((socket) => serveConnection(socket, handlers));
    // The supervisor holds its state file's lock; a socket that still answers belongs to a server
    // with another state file in the same directory, and is never replaced.
    await listenOwnerOnly(server, path, { takeOver: false });
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

/** A control message is a short JSON line; a longer one is refused rather than held (its sender is only the owner, but may be buggy). */
const MAX_LINE_BYTES = 1024 * 1024;

/** One line in, one answer out; anything after the line is not read. */
function serveConnection(socket: Socket, handlers: ControlHandlers): void {
  const line: Buffer[] = [];
  let lineBytes = 0;
  const reply = (message: ControlReply) => socket.end(JSON.stringify(message) + '\n');
  const onData = (chunk: Buffer) => {
    const newline = chunk.indexOf(0x0a);
    const part = newline < 0 ? chunk : chunk.subarray(0, newline);
    lineBytes += part.length;
    if (lineBytes > MAX_LINE_BYTES) {
      socket.off('data', onData);
      line.length = 0;
      // Closed once the answer is out: the sender may still be writing, and nothing more of it is read.
      socket.once('finish', () => socket.destroy());
      return reply({
        ok: false,
        error: {
          code: 'EPHPM_CONTROL_PROTOCOL',
          message: 'a control message is one JSON line of at most 1 MiB; this one was longer',
        },
      });
    }
    line.push(part);
    if (newline < 0) return;
    socket.off('data', onData);
    void answer(Buffer.concat(line).toString('utf8'), handlers, reply);
  };
  socket.on('error', () => socket.destroy());
  socket.on('data', onData);
}

async function answer(line: string, handlers: ControlHandlers, reply: (reply: ControlReply) => void): Promise<void> {
  let command: unknown;
  let table: unknown;
  try {
    ({ command, table } = JSON.parse(line) as { command?: unknown; table?: unknown });
  } catch {
    return reply({
      ok: false,
      error: { code: 'EPHPM_CONTROL_PROTOCOL', message: 'expected one JSON line like {"command":"status"}' },
    });
  }
  try {
    switch (command) {
      case 'status':
        return reply({ ok: true, result: await handlers.status() });
      case 'metrics':
        return reply({ ok: true, result: await handlers.metrics() });
      case 'reload':
        await handlers.reload();
        return reply({ ok: true });
      case 'stop':
        // Answer first: stopping closes this socket.
        reply({ ok: true });
        await handlers.stop();
        return;
      case 'cluster-rows':
        return reply({ ok: true, result: await handlers.clusterRows(String(table)) });
      default:
        return reply({
          ok: false,
          error: {
            code: 'EPHPM_CONTROL_PROTOCOL',
            message: `unknown command ${JSON.stringify(command)}; known: status, metrics, reload, stop, cluster-rows`,
          },
        });
    }
  } catch (error) {
    const known = isEphpmError(error);
    reply({
      ok: false,
      error: {
        code: known ? error.code : 'EPHPM_INTERNAL',
        message: (error as Error).message,
        hint: known ? error.hint : undefined,
      },
    });
  }
}

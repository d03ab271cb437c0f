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
    await listenOwnerOnly(server, path);
    return new ControlServer(server, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}

function serveConnection(socket: Socket, handlers: ControlHandlers): void {
  let input = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    input += chunk;
    const newline = input.indexOf('\n');
    if (newline < 0) return;
    void answer(input.slice(0, newline), handlers, (reply) => socket.end(JSON.stringify(reply) + '\n'));
  });
}

async function answer(line: string, handlers: ControlHandlers, reply: (reply: ControlReply) => void): Promise<void> {
  let command: unknown;
  let table: unknown;
  try {
    ({ command, table } = JSON.parse(line) as { command?: unknown; table?: unknown });
  } catch {
    return reply({ ok: false, error: { code: 'EPHPM_CONTROL_PROTOCOL', message: 'expected one JSON line like {"command":"status"}' } });
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
        return reply({ ok: false, error: { code: 'EPHPM_CONTROL_PROTOCOL', message: `unknown command ${JSON.stringify(command)}; known: status, metrics, reload, stop, cluster-rows` } });
    }
  } catch (error) {
    const known = isEphpmError(error);
    reply({ ok: false, error: { code: known ? error.code : 'EPHPM_INTERNAL', message: (error as Error).message, hint: known ? error.hint : undefined } });
  }
}

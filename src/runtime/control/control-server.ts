import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isEphpmError } from '../errors.js';

export type ControlCommand = 'status' | 'reload' | 'stop';

export interface ControlHandlers {
  status(): Promise<unknown>;
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; hint?: string };
}

const UNIX_PATH_LIMIT = 100; // sockaddr_un allows 108 bytes; keep a margin

/** The control socket lives beside the state file (or in /tmp when that path is too long). */
export function controlSocketPath(stateFile: string): string {
  const beside = join(dirname(stateFile), 'control.sock');
  if (Buffer.byteLength(beside) <= UNIX_PATH_LIMIT) return beside;
  return join(tmpdir(), `ephpm-${createHash('sha256').update(stateFile).digest('hex').slice(0, 16)}.sock`);
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
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rmSync(path, { force: true }); // a socket file left by a crashed server
    const server = createServer((socket) => serveConnection(socket, handlers));
    const previousMask = process.umask(0o177); // the socket is created 0600, never briefly open to others
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    } finally {
      process.umask(previousMask);
    }
    chmodSync(path, 0o600);
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
  try {
    command = (JSON.parse(line) as { command?: unknown }).command;
  } catch {
    return reply({ ok: false, error: { code: 'EPHPM_CONTROL_PROTOCOL', message: 'expected one JSON line like {"command":"status"}' } });
  }
  try {
    switch (command) {
      case 'status':
        return reply({ ok: true, result: await handlers.status() });
      case 'reload':
        await handlers.reload();
        return reply({ ok: true });
      case 'stop':
        // Answer first: stopping closes this socket.
        reply({ ok: true });
        await handlers.stop();
        return;
      default:
        return reply({ ok: false, error: { code: 'EPHPM_CONTROL_PROTOCOL', message: `unknown command ${JSON.stringify(command)}; known: status, reload, stop` } });
    }
  } catch (error) {
    const known = isEphpmError(error);
    reply({ ok: false, error: { code: known ? error.code : 'EPHPM_INTERNAL', message: (error as Error).message, hint: known ? error.hint : undefined } });
  }
}

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/server-config.js';
import type { HandedConnections } from './handed-connections.js';
import { loadHttps } from './on-first-use.js';

/**
 * `ephpm dev` only: a worker whose PHP failed to boot keeps the port answered (through the
 * supervisor's connections) with a 503 that shows the PHP error, until new code replaces it.
 * `ephpm serve` never uses it: a boot error stays in the server log.
 */
export class BootErrorPage {
  private constructor(
    private readonly server: Server,
    private readonly connections: HandedConnections,
  ) {}

  /** Answers the connections the supervisor hands this worker with the error. */
  static serve(config: ServerConfig, error: string, connections: HandedConnections): BootErrorPage {
    const body =
      '503 Service Unavailable: the PHP worker script failed to boot.\n' +
      'ephpm dev shows this page until a change to the code fixes it.\n\n' +
      `${error.replace(/\s+$/, '')}\n`;
    const answer = (request: IncomingMessage, response: ServerResponse) => {
      request.resume();
      response.writeHead(503, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'Content-Length': Buffer.byteLength(body),
        'Retry-After': '1',
        'Cache-Control': 'no-store',
        Connection: 'close',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const server = config.tls
      ? loadHttps().createServer({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }, answer)
      : createHttpServer(answer);
    connections.serveWith(server);
    return new BootErrorPage(server, connections);
  }

  /** Stops accepting at once; resolves when the last answer has gone out. */
  close(): Promise<void> {
    this.connections.refuse();
    this.server.closeIdleConnections();
    return this.connections.allClosed();
  }
}

import { createServer, type Server } from 'node:http';
import { EphpmError } from '../errors.js';
import { CONTENT_TYPE, prometheusText } from './exposition.js';
import { formatListen, type MetricsListen } from './metrics-config.js';
import type { MetricsSnapshot } from './snapshot.js';

/**
 * The Prometheus listener, in the supervisor process, on its own address (never the app's port):
 * GET /metrics takes a snapshot (one `stats` round trip to every worker) and answers it in the text format.
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async listen(listen: MetricsListen, snapshot: () => Promise<MetricsSnapshot>): Promise<MetricsServer> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        response
          .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('Not found: the metrics are at /metrics\n');
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response
          .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
          .end('Method not allowed\n');
        return;
      }
      snapshot()
        .then(prometheusText)
        .then(
          (text) =>
            response.writeHead(200, { 'Content-Type': CONTENT_TYPE }).end(request.method === 'HEAD' ? undefined : text),
          (error: Error) =>
            response
              .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
              .end(`metrics failed: ${error.message}\n`),
        );
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new EphpmError(
            'EPHPM_METRICS_LISTEN',
            `The metrics listener cannot listen on ${formatListen(listen)}: ${error.code === 'EADDRINUSE' ? 'the address is in use' : error.message}.`,
            'Give [metrics] listen (or --metrics) a free host:port.',
          ),
        );
      });
      server.listen(listen.port, listen.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : listen.port;
    return new MetricsServer(server, `http://${formatListen({ host: listen.host, port })}/metrics`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

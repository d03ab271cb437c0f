import { describe, expect, it } from 'vitest';
import { appWorker, startServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

interface FailedRequest {
  /** The worker that answered the connection's previous request (null: none had yet). */
  pid: number | null;
  error: string;
}

/**
 * Keep-alive clients, one request at a time each, as a proxy's pool or a load generator holds them: each keeps
 * its connection until the server says `Connection: close` or closes it, then opens a new one.
 */
class KeepAlivePool {
  /** Responses by the pid of the worker that answered. */
  readonly served = new Map<number, number>();
  readonly failed: FailedRequest[] = [];
  /** Clients that have had at least one response. */
  connectedClients = 0;
  private running = true;
  private readonly loops: Array<Promise<void>>;

  constructor(
    private readonly port: number,
    size: number,
  ) {
    this.loops = Array.from({ length: size }, () => this.client());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async client(): Promise<void> {
    let connection: RawConnection | null = null;
    let pid: number | null = null;
    let answered = false;
    while (this.running) {
      if (!connection) {
        pid = null;
        connection = await RawConnection.open(this.port).catch((error: Error) => {
          this.failed.push({ pid: null, error: `connect: ${error.message}` });
          return null;
        });
        if (!connection) continue;
      }
      const current = connection;
      current.get(['/sleep?ms=2']);
      try {
        const response = await current.read();
        if (!response.statusLine.startsWith('HTTP/1.1 200')) throw new Error(response.statusLine);
        pid = (JSON.parse(response.body.toString()) as { pid: number }).pid;
        this.served.set(pid, (this.served.get(pid) ?? 0) + 1);
        if (!answered) this.connectedClients++;
        answered = true;
        if (response.header('connection')?.toLowerCase() === 'close') {
          current.close();
          connection = null;
        }
      } catch (error) {
        this.failed.push({ pid, error: (error as Error).message });
        current.close();
        connection = null;
      }
    }
    connection?.close();
  }
}

describe('connections after a worker is replaced', () => {
  it('a keep-alive pool spreads over the replacement of a SIGKILLed worker, and no request fails but those in flight on it', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    const clients = 30;
    const pool = new KeepAlivePool(server.port, clients);
    let victim = 0;
    try {
      await waitFor(() => pool.connectedClients === clients, 'every client of the pool to have a response');
      const [first, survivor] = (await serverStatus(server)).workers.map((worker) => worker.pid);
      victim = first!;
      process.kill(victim, 'SIGKILL');
      const replacement = await waitFor(async () => {
        const workers = (await serverStatus(server)).workers;
        const serving = workers.filter((worker) => worker.state === 'serving' && worker.pid !== victim);
        return serving.length === 2 ? serving.find((worker) => worker.pid !== survivor)!.pid : null;
      }, 'the replacement to serve');

      // Its clients reconnected to the survivor while the replacement booted; now the survivor sheds its excess.
      const split = await waitFor(async () => {
        const connections = (await serverStatus(server)).workers.map((worker) => worker.connections);
        const total = connections.reduce((sum, open) => sum + open, 0);
        const even = total > 0 && connections.every((open) => open <= (total * 2) / 3);
        if (pool.served.get(replacement) && even) return connections;
        throw new Error(
          `the replacement served ${pool.served.get(replacement) ?? 0} requests; connections per worker: ${connections.join(' / ')}`,
        );
      }, 'the pool to be served by both workers, its connections split');
      expect(split).toHaveLength(2);
      expect(pool.served.get(survivor!)).toBeGreaterThan(0);
    } finally {
      await pool.stop();
      await server.stop();
    }
    // Only requests on connections the killed worker held may fail: at most one in flight per client.
    expect(pool.failed.filter((failure) => failure.pid !== victim)).toEqual([]);
    expect(pool.failed.length).toBeLessThanOrEqual(clients);
  });
});

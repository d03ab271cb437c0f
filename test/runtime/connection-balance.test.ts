import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appWorker, runCli, startServer } from '../helpers/ephpm-server.js';
import { RawConnection } from '../helpers/raw-http.js';
import { serverStatus } from '../helpers/status.js';
import { waitFor } from '../helpers/wait-for.js';

/** Opens `count` keep-alive connections at once; resolves with each one's worker pid (from a first request). */
async function openConnections(
  port: number,
  count: number,
): Promise<Array<{ connection: RawConnection; pid: number }>> {
  const connections = await Promise.all(Array.from({ length: count }, () => RawConnection.open(port)));
  return Promise.all(
    connections.map(async (connection) => {
      connection.get(['/pid']);
      const response = await connection.read();
      return { connection, pid: (JSON.parse(response.body.toString()) as { pid: number }).pid };
    }),
  );
}

function countByPid(opened: Array<{ pid: number }>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { pid } of opened) counts.set(pid, (counts.get(pid) ?? 0) + 1);
  return counts;
}

describe('connections spread over the workers', () => {
  it('gives a burst of keep-alive connections to the workers in equal shares', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const opened = await openConnections(server.port, 40);
      expect([...countByPid(opened).values()]).toEqual([20, 20]);
      // ephpm status shows the spread, per worker.
      const shown = await serverStatus(server.stateFile);
      expect(shown.workers.map((worker) => worker.connections)).toEqual([20, 20]);
      for (const { connection } of opened) connection.socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('sends new connections to the worker with the fewest open, not in turn', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const opened = await openConnections(server.port, 12);
      const [quieter] = [...countByPid(opened).keys()];
      // One worker's clients leave: it now has 0 open connections, the other 6.
      for (const { connection, pid } of opened) if (pid === quieter) connection.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const next = await openConnections(server.port, 6);
      expect(next.map(({ pid }) => pid)).toEqual(Array(6).fill(quieter));
      for (const { connection } of [...opened, ...next]) connection.socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('gives one connection after another, each closed before the next, to the workers in turn', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const pids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const { connection, pid } = (await openConnections(server.port, 1))[0]!;
        pids.push(pid);
        connection.socket.destroy();
        // Closed as the balancer counts it (the worker reports it), before the next one comes.
        await waitFor(
          async () => (await serverStatus(server)).workers.every((worker) => worker.connections === 0),
          'the closed connection counted',
        );
      }
      const [first, second] = pids;
      expect(first).not.toBe(second);
      expect(pids).toEqual([first, second, first, second, first, second]);
    } finally {
      await server.stop();
    }
  });

  it('answers every connection opened while a worker dies: none is sent to the dead one', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '2']);
    try {
      const [victim] = (JSON.parse(readFileSync(server.stateFile, 'utf8')) as { workers: Array<{ pid: number }> })
        .workers;
      process.kill(victim!.pid, 'SIGKILL');
      const opened = await openConnections(server.port, 30);
      expect(opened).toHaveLength(30);
      expect(opened.map(({ pid }) => pid)).not.toContain(victim!.pid);
      for (const { connection } of opened) connection.socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('refuses to start on a port another program holds, and says how to find it', async () => {
    const other = createServer();
    const port = await new Promise<number>((resolve) =>
      other.listen(0, '127.0.0.1', () => resolve((other.address() as { port: number }).port)),
    );
    try {
      const result = await runCli(['serve', '--worker', appWorker, '--workers', '1', '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`127.0.0.1:${port} is in use by another program`);
      expect(result.output).toContain(`ss -ltnp 'sport = :${port}'`);
    } finally {
      other.close();
    }
  });
});

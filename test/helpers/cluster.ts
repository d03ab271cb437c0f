import { request as httpRequest } from 'node:http';
import { fixture, startServer, tempDir, type RunningServer } from './ephpm-server.js';
import { waitFor } from './wait-for.js';

export const clusterWorker = fixture('workers', 'cluster.php');

/** The tables the cluster tests replicate, in Octane's format. */
export const CLUSTER_TABLES = JSON.stringify({
  'users:1000': { name: 'string:32', votes: 'int', score: 'float' },
  'counters:100': { value: 'int' },
});

/** One ephpm server of the cluster: its own root and state file, the node id it was given. */
export interface ClusterNode extends RunningServer {
  node: string;
  root: string;
}

/** `ephpm serve` of the cluster fixture as node `node`, replicating through `redis` (EPHPM_CLUSTER_* variables). */
export async function startNode(
  redis: string,
  node: string,
  root = tempDir(`ephpm-${node}-`),
  workers = 2,
): Promise<ClusterNode> {
  const server = await startServer(
    [
      '--worker',
      clusterWorker,
      '--root',
      root,
      '--workers',
      String(workers),
      '--tables',
      CLUSTER_TABLES,
      '--no-access-log',
    ],
    {
      stateFile: `${root}/server.json`,
      env: { EPHPM_CLUSTER_REDIS: redis, EPHPM_CLUSTER_NODE: node },
    },
  );
  return { ...server, node, root };
}

export interface Reply {
  pid: number;
  result?: unknown;
  seen?: number[];
  rows?: Record<string, unknown>;
  error?: { class: string; message: string };
}

/** `table($table)->$op(...$args)` on a node, or `table($table)->strong()->$op(...)`; fails the test on a PHP exception. */
export async function op(
  node: RunningServer,
  table: string,
  name: string,
  args: unknown[] = [],
  strong = false,
): Promise<unknown> {
  const reply = await request(node, '/op', { method: 'POST', body: JSON.stringify({ table, op: name, args, strong }) });
  if (reply.error) throw new Error(`${name}() on ${node.url} threw ${reply.error.class}: ${reply.error.message}`);
  return reply.result;
}

/**
 * One request on a connection of its own: the supervisor hands connections to the workers in turn, so two requests
 * sent together reach both worker processes (a pooled keep-alive connection could take both to one).
 */
export function request(
  node: RunningServer,
  path: string,
  init: { method?: string; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(`${node.url}${path}`, { method: init.method ?? 'GET', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        if (response.statusCode !== 200)
          reject(new Error(`${path} on ${node.url} answered ${response.statusCode}: ${body}`));
        else resolve(JSON.parse(body) as Reply);
      });
    });
    call.on('error', reject);
    call.end(init.body);
  });
}

/** Waits until `read` gives the same value on every node, and returns it (each node's last value in the timeout message). */
export async function converged<T>(
  nodes: RunningServer[],
  read: (node: RunningServer) => Promise<T>,
  what: string,
  expected?: T,
): Promise<T> {
  let last: T[] = [];
  try {
    await waitFor(
      async () => {
        last = await Promise.all(nodes.map(read));
        const first = JSON.stringify(last[0]);
        return (
          last.every((value) => JSON.stringify(value) === first) &&
          (expected === undefined || first === JSON.stringify(expected))
        );
      },
      what,
      30_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last values: ${JSON.stringify(last)}`);
  }
  return last[0]!;
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, op, request, startNode, type ClusterNode } from '../helpers/cluster.js';
import { runCli } from '../helpers/ephpm-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// What a node does when Redis goes away and comes back, and when the node itself is killed and restarted.

let redis: RedisServer;
let nodes: ClusterNode[];

const clusterState = async (node: ClusterNode) =>
  (
    JSON.parse((await runCli(['status', '--json', '--state-file', node.stateFile])).stdout) as {
      cluster: { state: string; backlog: number; lastError: string | null };
    }
  ).cluster;

beforeAll(async () => {
  redis = await startRedis();
  nodes = await Promise.all(['a', 'b', 'c'].map((name) => startNode(redis.url, name)));
});

afterAll(async () => {
  for (const node of nodes ?? []) await node.stop();
  await redis?.stop();
});

describe('a cluster when Redis or a node goes away', () => {
  it('keeps serving while Redis is stopped for 5 s under writes, then loses nothing and converges', async () => {
    await op(nodes[0]!, 'users', 'set', ['before', { name: 'before the outage' }]);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['before']), 'the first row everywhere', true);
    let writing = true;
    let increments = 0;
    const writers = nodes.map(async (node) => {
      while (writing) {
        await request(node, '/incr-loop?n=10&key=outage');
        increments += 10;
      }
    });
    await redis.stop();
    const stoppedAt = Date.now();
    // Every node notices, says so, and keeps answering reads and writes from its own copy.
    for (const node of nodes) {
      const state = await waitFor(
        async () => ((await clusterState(node)).state === 'degraded' ? clusterState(node) : null),
        `${node.node} degraded`,
      );
      expect(state.lastError).toBeTruthy();
    }
    await nodes[1]!.waitFor(
      /cluster: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable .*: this node reads and writes its own copy/,
    );
    // Its copy in Redis cannot be read meanwhile: table:dump --cluster says so and where to look, and prints no rows.
    const dump = await runCli(['table:dump', 'users', '--cluster', '--state-file', nodes[0]!.stateFile]);
    expect(dump.code).toBe(1);
    expect(dump.output).toMatch(
      /The cluster's copy of table "users" cannot be read: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable \(.+\)\./,
    );
    expect(dump.output).toMatch(/try: See the link to Redis with: ephpm status/);
    expect(dump.output).not.toMatch(/before the outage/);
    await op(nodes[2]!, 'users', 'set', ['during', { name: 'written during the outage', votes: 1 }]);
    expect(await op(nodes[2]!, 'users', 'get', ['during', 'name'])).toBe('written during the outage');
    expect((await clusterState(nodes[0]!)).backlog).toBeGreaterThan(0);
    await expect(op(nodes[0]!, 'counters', 'get', ['outage', 'value'], true)).rejects.toThrow(
      /ClusterUnavailable: strong\(\): Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/,
    );
    await waitFor(() => Date.now() - stoppedAt >= 5000, 'five seconds of outage', 10_000);
    await redis.start();
    await waitFor(
      async () => (await Promise.all(nodes.map(clusterState))).every((state) => state.state === 'connected'),
      'every node connected again',
    );
    writing = false;
    await Promise.all(writers);
    expect(increments).toBeGreaterThan(30);
    await converged(
      nodes,
      (node) => op(node, 'counters', 'get', ['outage', 'value']),
      `outage = ${increments} on every node`,
      increments,
    );
    expect(await op(nodes[1]!, 'counters', 'get', ['outage', 'value'], true)).toBe(increments);
    await converged(
      nodes,
      (node) => op(node, 'users', 'get', ['during', 'name']),
      'the write made during the outage everywhere',
      'written during the outage',
    );
    await nodes[0]!.waitFor(/cluster: Redis at redis:\/\/127\.0\.0\.1:\d+ answers again: sent \d+ writes that waited/);
  });

  it('brings a node killed with SIGKILL back with the data, including what was written while it was down', async () => {
    const victim = nodes[2]!;
    await op(victim, 'users', 'set', ['mine', { name: 'written on c', votes: 3 }]);
    await converged(nodes, (node) => op(node, 'users', 'get', ['mine', 'votes']), "c's row everywhere", 3);
    process.kill(victim.child.pid!, 'SIGKILL');
    await victim.stop('SIGKILL');
    await op(nodes[0]!, 'users', 'set', ['while-down', { name: 'written while c was down' }]);
    await op(nodes[1]!, 'users', 'incr', ['mine', 'votes', 4]);
    const restarted = await startNode(redis.url, 'c', victim.root);
    nodes[2] = restarted;
    // Loaded from Redis before it served: the first reads already see everything.
    expect(await op(restarted, 'users', 'get', ['mine'])).toEqual({ name: 'written on c', votes: 7, score: 0 });
    expect(await op(restarted, 'users', 'get', ['while-down', 'name'])).toBe('written while c was down');
    expect(await op(restarted, 'users', 'get', ['before', 'name'])).toBe('before the outage');
    await op(restarted, 'users', 'incr', ['mine', 'votes']);
    await converged(
      nodes,
      (node) => op(node, 'users', 'get', ['mine', 'votes']),
      'the restarted node replicates again',
      8,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, op, request, startNode, type ClusterNode } from '../helpers/cluster.js';
import { runCli } from '../helpers/ephpm-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

// Three ephpm servers of the same app on one machine (three roots, state files and ports), two worker processes
// each, replicating their tables through one real redis-server on loopback.

let redis: RedisServer;
let nodes: ClusterNode[];
const a = () => nodes[0]!;
const b = () => nodes[1]!;
const c = () => nodes[2]!;

beforeAll(async () => {
  redis = await startRedis();
  nodes = await Promise.all(['a', 'b', 'c'].map((name) => startNode(redis.url, name)));
});

afterAll(async () => {
  for (const node of nodes ?? []) expect(await node.stop()).toBe(0);
  await redis?.stop();
});

describe('a table replicated across three nodes', () => {
  it('shows a write on one node to the other two: set, incr and del', async () => {
    await op(a(), 'users', 'set', ['ann', { name: 'Ann', votes: 3, score: 1.5 }]);
    await converged(nodes, (node) => op(node, 'users', 'get', ['ann']), 'ann on every node', {
      name: 'Ann',
      votes: 3,
      score: 1.5,
    });
    await op(b(), 'users', 'incr', ['ann', 'votes', 2]);
    await op(c(), 'users', 'set', ['ann', { name: 'Ann B.' }]); // columns left out keep their value, everywhere
    await converged(nodes, (node) => op(node, 'users', 'get', ['ann']), 'ann changed on b and c', {
      name: 'Ann B.',
      votes: 5,
      score: 1.5,
    });
    await op(c(), 'users', 'del', ['ann']);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['ann']), 'ann deleted everywhere', false);
  });

  it('deletes a row everywhere when the node that deletes it has not received it yet: the earlier set does not come back', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `fresh-${i}`);
    // Each del runs on b right after the set on a returned, mostly before the set has reached b.
    for (const key of keys) {
      await op(a(), 'users', 'set', [key, { name: 'set first' }]);
      await op(b(), 'users', 'del', [key]);
    }
    await converged(
      nodes,
      (node) => Promise.all(keys.map((key) => op(node, 'users', 'exists', [key]))),
      'every fresh key deleted on every node',
      keys.map(() => false),
    );
  });

  it('loses no increment when 3 nodes x 2 workers increment one counter at once', async () => {
    // Two loops per node meet at a barrier first: they run in its two worker processes at once.
    const loops = await Promise.all(
      nodes.flatMap((node) => [1, 2].map(() => request(node, `/incr-loop?n=500&key=hits&barrier=${node.node}`))),
    );
    expect(new Set(loops.map((loop) => loop.pid)).size).toBe(6);
    await converged(nodes, (node) => op(node, 'counters', 'get', ['hits', 'value']), 'hits = 3000 on every node', 3000);
    expect(await op(a(), 'counters', 'get', ['hits', 'value'], true)).toBe(3000); // the cluster's copy in Redis
  });

  it('brings concurrent sets of one key to the same value on every node, the one Redis holds', async () => {
    await Promise.all(nodes.map((node) => request(node, `/set-loop?n=200&key=contested&prefix=${node.node}`)));
    const row = await converged(
      nodes,
      (node) => op(node, 'users', 'get', ['contested']),
      'one value of contested everywhere',
    );
    expect(row).toEqual(await op(a(), 'users', 'get', ['contested'], true));
    expect(row).toMatchObject({ votes: 200, name: expect.stringMatching(/^[abc]-200$/) });
  });

  it('makes strong() increments from three nodes exact: each of 600 calls returns a different value', async () => {
    const loops = await Promise.all(
      nodes.flatMap((node) => [1, 2].map(() => request(node, '/incr-loop?n=100&key=quota&strong=1'))),
    );
    const seen = loops.flatMap((loop) => loop.seen!).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(await op(b(), 'counters', 'get', ['quota', 'value'], true)).toBe(600);
    // The strong writes reach every node's local copy too.
    await converged(nodes, (node) => op(node, 'counters', 'get', ['quota', 'value']), 'quota = 600 on every node', 600);
  });

  it('reads and writes strong() rows in Redis: get, set, exists, del', async () => {
    expect(await op(a(), 'users', 'set', ['bo', { name: 'Bo', votes: 7 }], true)).toBe(true);
    expect(await op(c(), 'users', 'get', ['bo'], true)).toEqual({ name: 'Bo', votes: 7, score: 0 }); // at once, on another node
    expect(await op(c(), 'users', 'get', ['bo', 'votes'], true)).toBe(7);
    expect(await op(b(), 'users', 'decr', ['bo', 'votes', 2], true)).toBe(5);
    await converged(nodes, (node) => op(node, 'users', 'get', ['bo']), 'bo in every local copy', {
      name: 'Bo',
      votes: 5,
      score: 0,
    });
    expect(await op(b(), 'users', 'del', ['bo'], true)).toBe(true);
    expect(await op(a(), 'users', 'exists', ['bo'], true)).toBe(false);
    expect(await op(a(), 'users', 'del', ['bo'], true)).toBe(false);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['bo']), 'bo gone from every local copy', false);
  });

  it('checks strong() writes as local writes are checked', async () => {
    await expect(op(a(), 'users', 'set', ['x', { name: 'y'.repeat(33) }], true)).rejects.toThrow(
      /ValueTooLargeForColumnException: Value \[y+\.\.\.\] is too large for \[name\] column\. It is 33 bytes/,
    );
    await expect(op(a(), 'users', 'incr', ['x', 'name'], true)).rejects.toThrow(
      /InvalidTableArgument: Column \[name\] of table \[users\] is a string column/,
    );
    await expect(op(a(), 'users', 'set', ['x', { nope: 1 }], true)).rejects.toThrow(
      /InvalidTableArgument: Table \[users\] has no column \[nope\]/,
    );
    expect(await op(a(), 'users', 'exists', ['x'], true)).toBe(false);
  });

  it('shows the link to Redis in ephpm status', async () => {
    const { code, output } = await runCli(['status', '--state-file', a().stateFile]);
    expect(code).toBe(0);
    expect(output).toMatch(
      new RegExp(
        `cluster  node a  redis://127\\.0\\.0\\.1:${redis.port}  connected since \\d\\d:\\d\\d:\\d\\d  lag \\d+ ms  backlog 0 writes`,
      ),
    );
    const status = JSON.parse((await runCli(['status', '--json', '--state-file', b().stateFile])).stdout) as {
      cluster: Record<string, unknown>;
    };
    expect(status.cluster).toMatchObject({
      node: 'b',
      state: 'connected',
      backlog: 0,
      dropped: 0,
      lastError: null,
      tables: ['users', 'counters'],
    });
  });

  it("ephpm table:dump --cluster puts the cluster's copy beside the local one and marks the rows that differ", async () => {
    await op(a(), 'users', 'set', ['cy', { name: 'Cy', votes: 1 }]);
    await op(a(), 'users', 'set', ['di', { name: 'Di', votes: 2 }]);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['di']), 'di everywhere', true);
    // Changed behind the cluster's back (no stream entry): no node learns of it.
    redis.cli('HSET', 'ephpm:table:users', '\x02divvotes', '9'); // key length, key, 'v', column
    const { code, output } = await runCli(['table:dump', 'users', '--cluster', '--state-file', c().stateFile]);
    expect(code).toBe(0);
    expect(output).toMatch(/^cy\s+Cy\s+1\s+0\s+same$/m);
    expect(output).toMatch(/^di\s+Di\s+2\s+0\s+\* differs: votes=9$/m);
    expect(output).toMatch(/1 differ between this node and Redis/);
    const json = JSON.parse(
      (await runCli(['table:dump', 'users', '--cluster', '--key', 'di', '--json', '--state-file', c().stateFile]))
        .stdout,
    );
    expect(json.rows).toEqual([
      {
        key: 'di',
        local: { name: 'Di', votes: 2, score: 0 },
        cluster: { name: 'Di', votes: 9, score: 0 },
        differs: ['votes'],
      },
    ]);
  });
});

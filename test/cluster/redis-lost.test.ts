import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, op, request, startNode, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// A Redis that loses the cluster's data (restarted without persistence, or flushed): the nodes notice, write their
// tables back into it, and the cluster goes on with every row it had.

let redis: RedisServer;
let nodes: ClusterNode[];
const a = () => nodes[0]!;
const b = () => nodes[1]!;

const ANN = { name: 'Ann', votes: 3, score: 1.5 };
/** The line each node logs (the epoch key is gone, or changed when another node wrote the tables back first). */
const lost =
  /cluster: Redis at redis:\/\/127\.0\.0\.1:\d+ lost the cluster's data \(ephpm:epoch (is gone|changed): restarted empty or flushed\); this node writes its tables back into it/;
const wroteBack = /cluster: wrote this node's tables back into Redis at redis:\/\/127\.0\.0\.1:\d+/;

beforeAll(async () => {
  redis = await startRedis();
  nodes = await Promise.all(['a', 'b'].map((name) => startNode(redis.url, name, undefined, 1)));
});

afterAll(async () => {
  for (const node of nodes ?? []) await node.stop();
  await redis?.stop();
});

describe('a cluster whose Redis loses its data', () => {
  it('writes the tables back into a Redis restarted empty: the nodes keep their rows, and a node started later loads them', async () => {
    await op(a(), 'users', 'set', ['ann', ANN]);
    await op(b(), 'counters', 'incr', ['hits', 'value', 5]);
    await op(a(), 'users', 'set', ['gone', { name: 'deleted before' }]);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['gone']), 'gone on both nodes', true);
    await op(b(), 'users', 'del', ['gone']);
    await converged(
      nodes,
      (node) =>
        Promise.all([
          op(node, 'users', 'get', ['ann']),
          op(node, 'counters', 'get', ['hits', 'value']),
          op(node, 'users', 'exists', ['gone']),
        ]),
      'the rows on both nodes',
      [ANN, 5, false],
    );
    const from = nodes.map((node) => node.output().length);

    await redis.restartEmpty();
    await waitFor(
      async () => JSON.stringify(await op(a(), 'users', 'get', ['ann'], true)) === JSON.stringify(ANN),
      'ann in Redis again',
    );
    await waitFor(
      async () => (await op(a(), 'counters', 'get', ['hits', 'value'], true)) === 5,
      'hits = 5 in Redis again',
    );
    for (const [i, node] of nodes.entries()) await node.waitFor(lost, from[i]);
    expect(await op(a(), 'users', 'exists', ['gone'], true)).toBe(false);
    expect(await op(b(), 'users', 'get', ['ann'])).toEqual(ANN);

    const late = await startNode(redis.url, 'c', undefined, 1);
    nodes.push(late);
    expect(await op(late, 'users', 'get', ['ann'])).toEqual(ANN); // loaded before it served
    expect(await op(late, 'counters', 'get', ['hits', 'value'])).toBe(5);
    await op(late, 'counters', 'incr', ['hits', 'value']);
    await converged(nodes, (node) => op(node, 'counters', 'get', ['hits', 'value']), 'hits = 6 everywhere', 6);
  });

  it('notices a FLUSHALL of a Redis that stayed up, and writes the tables back', async () => {
    const from = nodes.map((node) => node.output().length);
    redis.cli('FLUSHALL');
    await waitFor(
      async () => (await op(b(), 'counters', 'get', ['hits', 'value'], true)) === 6,
      'hits = 6 in Redis again',
    );
    await waitFor(
      async () => JSON.stringify(await op(b(), 'users', 'get', ['ann'], true)) === JSON.stringify(ANN),
      'ann in Redis again',
    );
    for (const [i, node] of nodes.entries()) await node.waitFor(wroteBack, from[i]);
    expect(nodes[0]!.output().slice(from[0])).toMatch(lost);
    await op(b(), 'users', 'set', ['after', { name: 'written after the flush' }]);
    await converged(
      nodes,
      (node) => op(node, 'users', 'get', ['after', 'name']),
      'a write after the flush everywhere',
      'written after the flush',
    );
  });

  it('keeps every increment of a node that writes through the loss and the write-back', async () => {
    let writing = true;
    let increments = 0;
    const writer = (async () => {
      while (writing) {
        await request(a(), '/incr-loop?n=10&key=through');
        increments += 10;
      }
    })();
    await waitFor(() => increments >= 100, 'increments before the flush');
    redis.cli('FLUSHALL');
    const atFlush = increments;
    await waitFor(() => increments >= atFlush + 200, 'increments after the flush');
    writing = false;
    await writer;
    await converged(
      nodes,
      (node) => op(node, 'counters', 'get', ['through', 'value']),
      `through = ${increments} on every node`,
      increments,
    );
    expect(await op(b(), 'counters', 'get', ['through', 'value'], true)).toBe(increments);
  });
});

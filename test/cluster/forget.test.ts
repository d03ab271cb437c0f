import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, op, startNode, type ClusterNode } from '../helpers/cluster.js';
import { tempDir } from '../helpers/ephpm-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// [cluster] forget_after: what Redis keeps of deleted keys and of servers that stopped is bounded in time.

let redis: RedisServer;
let nodes: ClusterNode[];

/** A node whose ephpm.toml sets forget_after = 1 (second). */
async function forgetfulNode(name: string): Promise<ClusterNode> {
  const root = tempDir(`ephpm-${name}-`);
  writeFileSync(join(root, 'ephpm.toml'), '[cluster]\nforget_after = 1\n');
  return startNode(redis.url, name, root, 1);
}

const tombstone = (key: string) =>
  redis.cli('HEXISTS', 'ephpm:table:users', `${String.fromCharCode(key.length)}${key}`);
const origins = () => redis.cli('HKEYS', 'ephpm:applied').split('\n').filter(Boolean);

beforeAll(async () => {
  redis = await startRedis();
  nodes = [await forgetfulNode('a'), await forgetfulNode('b')];
});

afterAll(async () => {
  for (const node of nodes ?? []) await node.stop();
  await redis?.stop();
});

describe('[cluster] forget_after', () => {
  it('has Redis forget a deleted key once forget_after has passed, and keeps live rows', async () => {
    await op(nodes[0]!, 'users', 'set', ['kept', { name: 'stays' }]);
    await op(nodes[0]!, 'users', 'set', ['gone', { name: 'deleted' }]);
    await op(nodes[1]!, 'users', 'del', ['gone']);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['gone']), 'gone deleted everywhere', false);
    expect(tombstone('gone')).toBe('1'); // right after the delete Redis keeps it, so that older writes stay ignored
    await waitFor(() => tombstone('gone') === '0', 'the delete of gone forgotten');
    expect(await op(nodes[1]!, 'users', 'get', ['kept', 'name'], true)).toBe('stays');
    expect(nodes.map((node) => node.output()).join('')).toMatch(
      /cluster: Redis forgot [1-9]\d* deleted keys and \d+ server starts older than \[cluster\] forget_after \(1 s\)/,
    );
    await op(nodes[1]!, 'users', 'set', ['gone', { name: 'set again' }]);
    await converged(
      nodes,
      (node) => op(node, 'users', 'get', ['gone', 'name']),
      'gone set again everywhere',
      'set again',
    );
  });

  it('has Redis forget a server that stopped, once forget_after has passed', async () => {
    const passing = await forgetfulNode('passing');
    await op(passing, 'users', 'set', ['visitor', { name: 'from a server that stops' }]);
    await converged(nodes, (node) => op(node, 'users', 'exists', ['visitor']), 'the visitor row everywhere', true);
    await waitFor(
      () => origins().some((origin) => origin.startsWith('passing#')),
      'the stopping server among the origins',
    );
    expect(await passing.stop()).toBe(0);
    await waitFor(() => !origins().some((origin) => origin.startsWith('passing#')), 'the stopped server forgotten');
    expect(await op(nodes[0]!, 'users', 'get', ['visitor', 'name'])).toBe('from a server that stops');
  });

  it("does not send writes that waited for Redis longer than forget_after: the node takes the cluster's copy instead", async () => {
    const [node] = nodes;
    await redis.stop();
    await waitFor(() => /is unreachable/.test(node!.output()), 'the node degraded');
    await op(node!, 'users', 'set', ['stale', { name: 'written while Redis was away' }]);
    const writtenAt = Date.now();
    await waitFor(() => Date.now() - writtenAt > 1500, 'the write older than forget_after');
    const from = node!.output().length;
    await redis.start();
    await node!.waitFor(
      /cluster: 1 writes of this node waited for Redis longer than \[cluster\] forget_after \(1 s\)/,
      from,
    );
    await converged(nodes, (each) => op(each, 'users', 'exists', ['stale']), 'the stale write nowhere', false);
  });
});

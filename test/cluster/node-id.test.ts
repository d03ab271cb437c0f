import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TABLES, clusterWorker, op, startNode, type ClusterNode } from '../helpers/cluster.js';
import { runCli, tempDir } from '../helpers/ephpm-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// One server per node id: the id is claimed in Redis for as long as the server runs.

let redis: RedisServer;
let node: ClusterNode;

beforeAll(async () => {
  redis = await startRedis();
  node = await startNode(redis.url, 'web-1', undefined, 1);
});

afterAll(async () => {
  await node?.stop();
  await redis?.stop();
});

const serveAs = (id: string) =>
  runCli(
    [
      'serve',
      '--port',
      '0',
      '--worker',
      clusterWorker,
      '--root',
      tempDir(),
      '--tables',
      CLUSTER_TABLES,
      '--workers',
      '1',
    ],
    {
      env: { EPHPM_CLUSTER_REDIS: redis.url, EPHPM_CLUSTER_NODE: id },
      timeoutMs: 20_000,
    },
  );

describe('a cluster node id', () => {
  it('refuses to start a second server with the id of a running one, saying which id and what to change', async () => {
    const run = await serveAs('web-1');
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /Node id "web-1" is taken: another ephpm server runs as node "web-1" in the cluster at redis:\/\/127\.0\.0\.1:\d+ \(pid \d+ on [^,]+, port \d+, boot [0-9a-f]+\)/,
    );
    expect(run.output).toMatch(
      /Give each server its own id: \[cluster\] node in ephpm\.toml, or EPHPM_CLUSTER_NODE \(--cluster-node\)/,
    );
    expect(run.output).not.toMatch(/serving http/);
    await op(node, 'users', 'set', ['still', { name: 'the first server serves on' }]);
    // Read from Redis (strong): the write reaches it by replication, a few milliseconds later (more on a loaded machine).
    await waitFor(
      async () => (await op(node, 'users', 'get', ['still', 'name'], true)) === 'the first server serves on',
      'the write in Redis',
    );
  });

  it('is free again at once after a graceful stop, and a few seconds after a crash', async () => {
    const root = node.root;
    expect(await node.stop()).toBe(0);
    node = await startNode(redis.url, 'web-1', root, 1);
    expect(node.output()).not.toMatch(/no longer refreshes it/);
    process.kill(node.child.pid!, 'SIGKILL');
    await node.stop('SIGKILL');
    node = await startNode(redis.url, 'web-1', root, 1);
    await node.waitFor(
      /cluster: node id "web-1" is held by a server that no longer refreshes it \(pid \d+ .*; crashed\?\): waiting up to 5 s for it to expire/,
    );
    await op(node, 'users', 'set', ['back', { name: 'after the crash' }]);
    await waitFor(
      async () => (await op(node, 'users', 'get', ['back', 'name'], true)) === 'after the crash',
      'the write in Redis',
    );
  });

  it('says loudly when another server took its id while it was away from Redis', async () => {
    const from = node.output().length;
    // What a second server with this id does when this one's claim has expired (this one cut off from Redis).
    redis.cli('SET', 'ephpm:node:web-1', 'pid 4242 on elsewhere, port 8080, boot 0badf00d', 'PX', '60000');
    await node.waitFor(
      /cluster: node id "web-1" was taken by another server while this one was away from Redis \(pid 4242 on elsewhere, port 8080, boot 0badf00d\)\. Two servers now run as node "web-1"/,
      from,
    );
    const status = JSON.parse((await runCli(['status', '--json', '--state-file', node.stateFile])).stdout) as {
      cluster: { lastError: string | null };
    };
    expect(status.cluster.lastError).toMatch(/node id "web-1" taken by another server/);
  });
});

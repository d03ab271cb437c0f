import { afterEach, describe, expect, it } from 'vitest';
import { op, startNode, type ClusterNode } from '../helpers/cluster.js';
import { runCli, tempDir } from '../helpers/ephpm-server.js';
import { freePort } from '../helpers/octane-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// How a node starts when Redis is not there yet, or refuses it.

const started: Array<{ stop(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const thing of started.splice(0).reverse()) await thing.stop();
});

const clusterState = async (node: ClusterNode) =>
  (
    JSON.parse((await runCli(['status', '--json', '--state-file', node.stateFile])).stdout) as {
      cluster: { state: string };
    }
  ).cluster.state;

describe('a cluster node starting', () => {
  it('starts degraded when Redis is unreachable, serves its own copy, and catches up once Redis answers', async () => {
    const port = await freePort();
    const node = await startNode(`redis://127.0.0.1:${port}`, 'early');
    started.push(node);
    await node.waitFor(
      /cluster: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable \(.*ECONNREFUSED.*\): this node reads and writes its own copy/,
    );
    expect(await clusterState(node)).toBe('degraded');
    await op(node, 'users', 'set', ['early', { name: 'before Redis' }]);
    const redis: RedisServer = await startRedis(port);
    started.push(redis);
    await waitFor(async () => (await clusterState(node)) === 'connected', 'the node connected');
    await waitFor(
      () => op(node, 'users', 'get', ['early', 'name'], true).then((name) => name === 'before Redis'),
      'the early write in Redis',
    );
  });

  it('refuses to start when Redis refuses its password, and says what to check', async () => {
    const redis = await startRedis(undefined, ['--requirepass', 'right']);
    started.push(redis);
    const run = await runCli(
      [
        'serve',
        '--port',
        '0',
        '--worker',
        'test/fixtures/workers/cluster.php',
        '--root',
        tempDir(),
        '--tables',
        '{"t":{"v":"int"}}',
      ],
      {
        env: { EPHPM_CLUSTER_REDIS: `redis://:wrong@127.0.0.1:${redis.port}` },
      },
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused this node: WRONGPASS/);
    expect(run.output).toMatch(/Check the password and database number in \[cluster\] redis/);
    expect(run.output).not.toMatch(/wrong/);
  });
});

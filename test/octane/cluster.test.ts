import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { fetchJson } from '../helpers/http-client.js';
import { appCopy, laravelApp, onLaravel } from '../helpers/laravel-app.js';
import { startOctane, type OctaneServer } from '../helpers/octane-server.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait-for.js';

// Three copies of the stock Laravel 11 app, each started with `php artisan octane:start --server=ephpm` and
// EPHPM_CLUSTER_REDIS / EPHPM_CLUSTER_NODE in its environment: Octane::table('example') (config/octane.php's
// example table) replicated across them through one redis-server.

const skip = octaneUnavailableReason();

const ROUTES = `
Route::get('/cluster/incr', fn () => ['votes' => Laravel\\Octane\\Facades\\Octane::table('example')->incr('cluster', 'votes')]);
Route::get('/cluster/row', fn () => ['row' => Laravel\\Octane\\Facades\\Octane::table('example')->get('cluster')]);
Route::get('/cluster/strong-incr', fn () => ['votes' => Laravel\\Octane\\Facades\\Octane::table('example')->strong()->incr('strong', 'votes')]);
`;

describe.skipIf(skip)(
  `${onLaravel('Octane::table() across three Laravel nodes')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    let redis: RedisServer;
    const servers: OctaneServer[] = [];

    beforeAll(async () => {
      const app = laravelApp();
      redis = await startRedis();
      for (const node of ['l1', 'l2', 'l3']) {
        const copy = appCopy(app, { withRuntime: true });
        appendFileSync(join(copy, 'routes', 'web.php'), ROUTES);
        servers.push(
          await startOctane(copy, ['--workers=2', '--task-workers=0'], {
            EPHPM_CLUSTER_REDIS: redis.url,
            EPHPM_CLUSTER_NODE: node,
          }),
        );
      }
    }, 600_000);

    afterAll(async () => {
      for (const server of servers) expect(await server.stop('SIGINT')).toBe(0);
      await redis?.stop();
    });

    it('replicates Octane::table() increments from every node, losing none', async () => {
      await Promise.all(
        servers.flatMap((server) => Array.from({ length: 20 }, () => fetchJson(`${server.url}/cluster/incr`))),
      );
      await waitFor(async () => {
        const rows = await Promise.all(
          servers.map((server) => fetchJson<{ row: { votes: number } }>(`${server.url}/cluster/row`)),
        );
        return rows.every(({ row }) => row.votes === 60);
      }, '60 votes on every node');
    });

    it('gives Octane::table()->strong() increments that are exact across the nodes', async () => {
      const replies = await Promise.all(
        servers.flatMap((server) =>
          Array.from({ length: 10 }, () => fetchJson<{ votes: number }>(`${server.url}/cluster/strong-incr`)),
        ),
      );
      expect(replies.map((reply) => reply.votes).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    });
  },
);

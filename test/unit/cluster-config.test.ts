import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayRedisUrl } from '../../src/runtime/cluster/cluster-config.js';
import { resolveServerConfig } from '../../src/runtime/config/config.js';
import type { ServeOptions } from '../../src/runtime/config/server-config.js';
import { refusal } from '../helpers/refusal.js';

const TABLES = '[tables]\n"users:100" = { name = "string:16" }\n[cache]\nrows = 10\n';

function appWith(toml: string): string {
  const root = mkdtempSync(join(tmpdir(), 'ephpm-cluster-config-'));
  writeFileSync(join(root, 'worker.php'), '<?php');
  writeFileSync(join(root, 'ephpm.toml'), toml);
  return root;
}

const resolve = (toml: string, options: ServeOptions = {}) =>
  resolveServerConfig({ worker: 'worker.php', ...options }, appWith(toml));

describe('[cluster] in ephpm.toml', () => {
  it('is off without the section or EPHPM_CLUSTER_REDIS: no Redis is needed', () => {
    expect(resolve(TABLES).cluster).toBeNull();
  });

  it("replicates every table but the octane cache store's by default", () => {
    expect(resolve(`${TABLES}[cluster]\nredis = "redis://10.0.0.5:6379"\n`).cluster).toEqual({
      redis: 'redis://10.0.0.5:6379',
      node: null,
      tables: ['users'],
      backlogBytes: 64 * 1024 ** 2,
      forgetAfterMs: 86_400_000,
    });
  });

  it('takes a node id, a list of tables (the cache table may be named), a backlog bound and how long Redis keeps deletes', () => {
    const config = resolve(
      `${TABLES}[cluster]\nredis = "rediss://:s3cret@redis.internal:6380/2"\nnode = "web-1"\ntables = ["users", "octane.cache"]\nbacklog = "1M"\nforget_after = 3600\n`,
    );
    expect(config.cluster).toEqual({
      redis: 'rediss://:s3cret@redis.internal:6380/2',
      node: 'web-1',
      tables: ['users', 'octane.cache'],
      backlogBytes: 1024 ** 2,
      forgetAfterMs: 3_600_000,
    });
  });

  it('is turned on, or overridden, by EPHPM_CLUSTER_REDIS and EPHPM_CLUSTER_NODE', () => {
    expect(resolve(TABLES, { clusterRedis: 'redis://127.0.0.1:7000', clusterNode: 'n2' }).cluster).toMatchObject({
      redis: 'redis://127.0.0.1:7000',
      node: 'n2',
      tables: ['users'],
    });
    expect(
      resolve(`${TABLES}[cluster]\nredis = "redis://a:1"\nnode = "x"\n`, { clusterRedis: 'redis://b:2' }).cluster,
    ).toMatchObject({ redis: 'redis://b:2', node: 'x' });
  });

  it('refuses a Redis URL it cannot use, saying how to write one', () => {
    for (const [url, problem] of [
      ['http://127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\/ \(TLS\), not http:\/\//],
      ['127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\//],
      ['redis://', /is not a URL|has no host/],
      ['redis://host:6379/cache', /may only have a database number as its path/],
      ['redis://host:6379?timeout=1', /takes no \?query/],
    ] as const) {
      const error = refusal(() => resolve(`${TABLES}[cluster]\nredis = "${url}"\n`));
      expect(error.code).toBe('EPHPM_BAD_CONFIG');
      expect(error.message).toMatch(/cluster\.redis/);
      expect(error.message).toMatch(problem);
      expect(error.hint).toMatch(/redis:\/\/:password@host:6379\/2/);
    }
    expect(refusal(() => resolve(TABLES, { clusterRedis: 'tcp://x' })).message).toMatch(
      /^EPHPM_CLUSTER_REDIS \(--cluster-redis\) must start with redis:\/\//,
    );
  });

  it('refuses unknown settings, a missing redis, unknown tables and a bad node id', () => {
    expect(refusal(() => resolve(`${TABLES}[cluster]\nredis = "redis://h"\nreplicas = 2\n`)).message).toMatch(
      /unknown setting cluster\.replicas\. Known settings: redis, node, tables, backlog, forget_after/,
    );
    expect(refusal(() => resolve(`${TABLES}[cluster]\nnode = "a"\n`)).message).toMatch(/\[cluster\] needs redis/);
    expect(
      refusal(() => resolve(`${TABLES}[cluster]\nredis = "redis://h"\ntables = ["users", "posts"]\n`)).message,
    ).toMatch(/cluster\.tables names "posts", which this server does not define\. Its tables: users, octane\.cache/);
    expect(refusal(() => resolve(`${TABLES}[cluster]\nredis = "redis://h"\nnode = "web 1"\n`)).message).toMatch(
      /cluster\.node must be 1 to 64 printable characters without spaces/,
    );
    expect(refusal(() => resolve(`cluster = 1\n${TABLES}`)).message).toMatch(/cluster must be a section/);
    expect(refusal(() => resolve(`${TABLES}[cluster]\nredis = "redis://h"\nforget_after = "1h"\n`)).message).toMatch(
      /cluster\.forget_after must be a whole number of seconds, at least 1 \(default 86400, a day\); got "1h"/,
    );
  });

  it('never shows the password', () => {
    expect(displayRedisUrl('redis://:s3cret@10.0.0.5:6379/2')).toBe('redis://:***@10.0.0.5:6379/2');
    expect(displayRedisUrl('redis://10.0.0.5:6379')).toBe('redis://10.0.0.5:6379');
  });
});

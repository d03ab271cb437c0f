import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureComposerPackageDeps } from '../helpers/composer-package.js';
import { fixture, getJson, runCli, startServer, tempDir, type RunningServer } from '../helpers/ephpm-server.js';
import { onNewConnection } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait-for.js';

// Ephpm\Octane\Cache\TableStore under a real Illuminate\Cache\Repository, in
// two worker processes of the real embedded runtime, over HTTP.

const cacheWorker = fixture('workers', 'cache.php');
const CACHE = JSON.stringify({ rows: 100, bytes: 2000 });

interface Reply {
  pid: number;
  result?: unknown;
  error?: { class: string; message: string };
}
interface Clock {
  role: string;
  pid: number;
  at: number;
}

let server: RunningServer;

/** Calls `$repository->$name(...$args)` in a worker (see test/fixtures/workers/cache.php). */
async function op(target: RunningServer, name: string, args: unknown[] = []): Promise<Reply> {
  const response = await fetch(`${target.url}/op`, { method: 'POST', body: JSON.stringify({ op: name, args }) });
  return (await response.json()) as Reply;
}

async function call(name: string, args: unknown[] = [], target = server): Promise<unknown> {
  const reply = await op(target, name, args);
  if (reply.error) throw new Error(`${name}() threw ${reply.error.class}: ${reply.error.message}`);
  return reply.result;
}

/** Asks until a worker other than `pid` answers. */
async function fromOtherWorker(pid: number, name: string, args: unknown[]): Promise<Reply> {
  for (let i = 0; i < 20; i++) {
    const reply = (await onNewConnection<Reply>(`${server.url}/op`, JSON.stringify({ op: name, args }))).json;
    if (reply.pid !== pid) return reply;
  }
  throw new Error(`worker ${pid} answered every request`);
}

beforeAll(async () => {
  ensureComposerPackageDeps();
  server = await startServer(['--worker', cacheWorker, '--workers', '2', '--cache', CACHE]);
});

afterAll(async () => {
  await server?.stop();
});

describe("the octane cache store on a shared table, through Laravel's cache Repository", () => {
  it('a value put by one worker process is what the other one gets, types kept', async () => {
    const value = { list: [1, 2], name: 'Ann', nested: { ratio: 1.5, off: false } };
    const written = await op(server, 'put', ['profile', value, 60]);
    expect(written.result).toBe(true);
    const read = await fromOtherWorker(written.pid, 'get', ['profile']);
    expect(read.result).toEqual(value);

    await call('forever', ['answer', 42]);
    await call('putMany', [{ ratio: 0.25, off: false, word: 'hello' }, 60]);
    expect(await call('many', [['answer', 'ratio', 'off', 'word', 'missing']])).toEqual({ answer: 42, ratio: 0.25, off: false, word: 'hello', missing: null });
    expect(await call('get', ['missing', 'the default'])).toBe('the default');
    expect(await call('getPrefix')).toBe('');
  });

  it('keys longer than a table key (63 bytes) work and do not collide', async () => {
    const long = 'k'.repeat(100);
    await call('put', [`${long}:a`, 'first', 60]);
    await call('put', [`${long}:b`, 'second', 60]);
    expect(await call('many', [[`${long}:a`, `${long}:b`]])).toEqual({ [`${long}:a`]: 'first', [`${long}:b`]: 'second' });
  });

  it('a value is a miss once its TTL has passed', async () => {
    await call('put', ['short', 'soon gone', 3]);
    await call('forever', ['kept', 'stays']);
    expect(await call('get', ['short'])).toBe('soon gone');
    await waitFor(async () => (await call('has', ['short'])) === false, 'the value to expire');
    expect(await call('get', ['short'])).toBeNull();
    expect(await call('get', ['kept'])).toBe('stays');
  });

  it('forget() and flush() remove values for every worker', async () => {
    await call('put', ['gone', 'x', 60]);
    const forgot = await op(server, 'forget', ['gone']);
    expect(forgot.result).toBe(true);
    expect((await fromOtherWorker(forgot.pid, 'get', ['gone'])).result).toBeNull();
    await call('put', ['a', 1, 60]);
    const flushed = await op(server, 'flush');
    expect(flushed.result).toBe(true);
    expect((await fromOtherWorker(flushed.pid, 'many', [['a', 'kept', 'profile']])).result).toEqual({ a: null, kept: null, profile: null });
  });

  it('increment() and decrement() count from zero, from a put() number, and keep a TTL', async () => {
    expect(await call('increment', ['fresh'])).toBe(1);
    expect(await call('increment', ['fresh', 5])).toBe(6);
    expect(await call('decrement', ['fresh', 2])).toBe(4);
    await call('put', ['from-int', 10, 60]);
    expect(await call('increment', ['from-int'])).toBe(11);
    await call('put', ['from-string', '7', 60]);
    expect(await call('increment', ['from-string', 3])).toBe(10);
    expect(await call('increment', ['from-string'])).toBe(11);
    await call('put', ['limited', 1, 3]);
    expect(await call('increment', ['limited'])).toBe(2);
    await waitFor(async () => (await call('get', ['limited'])) === null, 'the incremented value to expire');
    expect(await call('increment', ['limited'])).toBe(1);
  });

  it('increment() is atomic across processes: two HTTP requests served at once by the two workers, 3,000 increments each, end at exactly 6,000', async () => {
    type Loop = { pid: number; seen: number[] };
    const loops = await Promise.all([1, 2].map(async () => {
      const response = await onNewConnection<Loop>(`${server.url}/increment-loop?n=3000&workers=2`);
      expect(response.status).toBe(200); // both met at the barrier: they ran in two processes at once
      return response.json;
    }));
    expect(loops[0]!.pid).not.toBe(loops[1]!.pid);
    expect(await call('get', ['hits'])).toBe(6000);
    const seen = [...loops[0]!.seen, ...loops[1]!.seen].sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
  });

  it('a value larger than the table holds throws an error naming the bytes setting, and nothing is stored', async () => {
    const reply = await getJson<Reply>(`${server.url}/too-large?bytes=5000`);
    expect(reply.error?.class).toBe('Ephpm\\Octane\\Cache\\CacheValueTooLarge');
    expect(reply.error?.message).toContain('The cache value for key [big] is 5010 bytes serialized');
    expect(reply.error?.message).toContain('Raise `bytes` in [cache] of ephpm.toml');
    expect(reply.error?.message).toContain('holds at most 2000');
    expect(await call('get', ['big'])).toBeNull();
    // 1990 characters serialize to exactly 2000 bytes: that fits.
    expect((await getJson<Reply & { stored: boolean }>(`${server.url}/too-large?bytes=1990`)).stored).toBe(true);
  });

  it('an interval value is resolved on first read and, with no tick worker, again on a read once it is due', async () => {
    const first = (await call('get', ['clock'])) as Clock;
    expect(first.role).toBe('http');
    const later = await waitFor(async () => {
      const clock = (await call('get', ['clock'])) as Clock;
      return clock.at > first.at ? clock : null;
    }, 'a read to refresh the interval');
    expect(later.role).toBe('http');
  });

  it('a full table drops expired values to make room; with none expired it throws an error naming the rows setting', async () => {
    await call('flush');
    await call('putMany', [Object.fromEntries(Array.from({ length: 98 }, (_, i) => [`short-${i}`, i])), 2]);
    await waitFor(async () => (await call('get', ['short-0'])) === null, 'the values to expire');
    await call('putMany', [Object.fromEntries(Array.from({ length: 90 }, (_, i) => [`long-${i}`, i])), 600]);
    expect(await call('get', ['long-89'])).toBe(89);
    const full = await op(server, 'putMany', [Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`more-${i}`, i])), 600]);
    expect(full.error?.class).toBe('Ephpm\\Octane\\Cache\\CacheFull');
    expect(full.error?.message).toContain('Raise `rows` in [cache] of ephpm.toml');
    await call('flush');
  });
});

describe('the octane cache store with a tick worker', () => {
  it('refreshes interval values on ticks, in the tick worker; the table comes from [cache] in ephpm.toml', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'ephpm.toml'), '[cache]\nrows = 50\nbytes = 500\n');
    const ticking = await startServer(['--worker', cacheWorker, '--workers', '2', '--tick', '--root', root]);
    try {
      const refreshed = await waitFor(async () => {
        const clock = (await call('get', ['clock'], ticking)) as Clock;
        return clock.role === 'tick' ? clock : null;
      }, 'the tick worker to refresh the interval');
      const status = JSON.parse((await runCli(['status', '--json', '--state-file', ticking.stateFile])).output) as { taskWorkers: Array<{ role: string; pid: number }> };
      const tickPid = status.taskWorkers.find((worker) => worker.role === 'tick')!.pid;
      expect(refreshed.pid).toBe(tickPid);
      // Refreshed again and again by the tick worker, each time with a new value every worker reads.
      const again = await waitFor(async () => {
        const clock = (await call('get', ['clock'], ticking)) as Clock;
        return clock.role === 'tick' && clock.at > refreshed.at ? clock : null;
      }, 'the next refresh by the tick worker');
      expect(again.pid).toBe(tickPid);

      const list = JSON.parse((await runCli(['table:list', '--json', '--state-file', ticking.stateFile])).output) as { tables: Array<{ name: string; rows: number; columns: unknown[] }> };
      expect(list.tables.map((table) => [table.name, table.rows, table.columns])).toEqual([
        ['octane.cache', 50, [{ name: 'value', type: 'string', size: 500 }, { name: 'number', type: 'int', size: 8 }, { name: 'expiration', type: 'int', size: 8 }]],
      ]);
    } finally {
      await ticking.stop();
    }
  });
});

describe('cache settings', () => {
  function serveWith(env: Record<string, string>, toml?: string) {
    const root = tempDir();
    if (toml !== undefined) writeFileSync(join(root, 'ephpm.toml'), toml);
    return runCli(['serve', '--worker', cacheWorker, '--root', root, '--port', '0'], { env });
  }

  it('that are wrong stop the server before it starts, saying what is wrong and where (every case: test/unit/cache-table.test.ts)', async () => {
    const results = await Promise.all([serveWith({ EPHPM_CACHE: '{"rows":0}' }), serveWith({}, '[cache]\nrows = 10\n[tables]\n"octane.cache" = { value = "string" }\n')]);
    for (const result of results) {
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/EPHPM_BAD_CACHE/);
    }
    expect(results[0]!.output).toContain('EPHPM_CACHE (--cache) rows must be a whole number from 1 to 16777216');
    expect(results[0]!.output).toContain(`try: The cache table is set up like Octane's octane.cache: [cache] rows = 1000, bytes = 10000`);
    expect(results[1]!.output).toContain('A shared table is named "octane.cache", the name of the cache table.');
  });

  it('without a cache table, the store says how to add one', async () => {
    const result = await serveWith({});
    expect(result.code).toBe(1);
    expect(result.output).toContain('This server has no cache table. Add a [cache] section to ephpm.toml (rows = 1000, bytes = 10000)');
  });
});

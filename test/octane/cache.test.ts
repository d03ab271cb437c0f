import { describe, expect, it } from 'vitest';
import { octaneUnavailableReason } from '../helpers/composer-package.js';
import { onLaravel } from '../helpers/laravel-app.js';
import { runCli } from '../helpers/ephpm-server.js';
import { fetchJson, onNewConnection } from '../helpers/http-client.js';
import { octaneForTests } from '../helpers/octane-server.js';
import { cacheOp } from '../helpers/octane-primitives.js';
import { waitFor } from '../helpers/wait-for.js';

// Cache::store('octane') in a Laravel app started with `php artisan octane:start --server=ephpm`, sized by
// config('octane.cache'): what laravel/octane's tests/OctaneStoreTest.php expects of its store, plus what its store
// cannot do (values shared by every worker process, atomic increments), over real HTTP with two request workers.

const skip = octaneUnavailableReason();

describe.skipIf(skip)(
  `${onLaravel('the octane cache store in a Laravel app')}${skip ? ` — SKIPPED: ${skip}` : ''}`,
  () => {
    const octane = octaneForTests(['--workers=2', '--task-workers=0', '--max-requests=0']);
    /** The store's method, failing the test on an exception. */
    const cache = async <T = unknown>(op: string, ...args: unknown[]) =>
      (await cacheOp<T>(octane.url, op, args)).result as T;

    it('gives one worker process what another put, types kept; a missing key is null (test_can_retrieve_items_from_store, test_missing_items_return_null)', async () => {
      const put = await cacheOp(octane.url, 'put', ['foo', { name: 'Ann', tags: ['a', 'b'], score: 1.5 }, 100]);
      expect(put.result).toBe(true);
      const got = await cacheOp(octane.url, 'get', ['foo']);
      expect(got.pid).not.toBe(put.pid);
      expect(got.result).toEqual({ name: 'Ann', tags: ['a', 'b'], score: 1.5 });
      expect(await cache('get', 'missing')).toBeNull();
    });

    it('is shown by ephpm table:dump octane.cache in the app, values unserialized (--raw: as stored, --json: exact)', async () => {
      await cache('put', 'shown', { name: 'Ann', tags: ['a', 'b'] }, 100);
      const dump = (...flags: string[]) =>
        runCli(['table:dump', 'octane.cache', '--key', 'shown', ...flags], { cwd: octane.app });
      expect((await dump()).stdout).toMatch(/^shown\s+\{"name":"Ann","tags":\["a","b"\]\}\s+0\s+\d{13}$/m);
      const stored = 'a:2:{s:4:"name";s:3:"Ann";s:4:"tags";a:2:{i:0;s:1:"a";i:1;s:1:"b";}}';
      expect((await dump('--raw')).stdout).toContain(`shown  ${stored}`);
      expect(JSON.parse((await dump('--json')).stdout)).toMatchObject({
        rows: [{ key: 'shown', values: { value: stored, number: 0 } }],
      });
    });

    it('puts and reads many values at once, and keeps a value forever (test_put_many_stores_value_in_table, test_many_method_can_return_many_values, test_forever_stores_value_in_table)', async () => {
      expect(await cache('putMany', { foo: 'bar', bar: 'baz' }, 5)).toBe(true);
      expect(await cache('many', ['foo', 'bar', 'nothing'])).toEqual({ foo: 'bar', bar: 'baz', nothing: null });
      expect(await cache('forever', 'kept', 'for good')).toBe(true);
      expect(await cache('get', 'kept')).toBe('for good');
    });

    it('forgets a value and flushes them all, for every worker (test_can_forget_cache_items)', async () => {
      await cache('put', 'gone', 'soon', 5);
      expect(await cache('forget', 'gone')).toBe(true);
      expect(await cache('get', 'gone')).toBeNull();
      await cache('put', 'gone', 'again', 5);
      expect(await cache('flush')).toBe(true);
      expect(await cache('many', ['gone', 'kept', 'foo'])).toEqual({ gone: null, kept: null, foo: null });
    });

    it("honours a TTL: a value is a miss once it has passed, and $this->travel() moves it as with Octane's store (test_expired_items_return_null)", async () => {
      await cache('put', 'ttl', 'fresh', 60);
      const travel = (seconds: number) =>
        fetchJson<{ value: unknown; pid: number }>(`${octane.url}/cache-travel/ttl?seconds=${seconds}`);
      expect((await travel(30)).value).toBe('fresh');
      expect((await travel(61)).value).toBeNull();
      // travel() went back afterwards: in real time the value is still there, in both workers.
      expect(await cache('get', 'ttl')).toBe('fresh');
      expect(await cache('get', 'ttl')).toBe('fresh');

      await cache('put', 'short', 'a second', 1);
      expect(await waitFor(async () => (await cache('get', 'short')) === null, 'the one-second TTL to pass')).toBe(
        true,
      );
    });

    it('increments and decrements (test_increment_and_decrement_operations), from any worker', async () => {
      expect(await cache('increment', 'counter')).toBe(1);
      expect(await cache('get', 'counter')).toBe(1);
      expect(await cache('increment', 'counter', 2)).toBe(3);
      expect(await cache('decrement', 'counter', 2)).toBe(1);
      expect(await cache('get', 'counter')).toBe(1);
    });

    it("increments atomically across processes, unlike Octane's own store: 2 workers × 5,000 increments at once end at exactly 10,000", async () => {
      const loops = await Promise.all(
        [1, 2].map(() => onNewConnection<{ pid: number }>(`${octane.url}/cache-increment-loop?n=5000&workers=2`)),
      );
      // Both met at the barrier, so both incremented at the same time, each in its own process.
      expect(loops.map((loop) => loop.status)).toEqual([200, 200]);
      expect(loops[0]!.json.pid).not.toBe(loops[1]!.json.pid);
      expect(await cache('get', 'hits')).toBe(10_000);
    });

    it('resolves an interval on its first read, refreshes it once due on a tick under Carbon::setTestNow(), and keeps it through flush() (test_get_method_can_resolve_pending_interval, test_intervals_can_be_refreshed, test_intervals_are_not_flushed)', async () => {
      const { first, second, afterFlush } = await fetchJson<{ first: string; second: string; afterFlush: string }>(
        `${octane.url}/cache-interval-travel`,
      );
      expect(first).toMatch(/^[A-Za-z0-9]{10}$/);
      expect(second).toMatch(/^[A-Za-z0-9]{10}$/);
      expect(second).not.toBe(first);
      expect(afterFlush).toMatch(/^[A-Za-z0-9]{10}$/);
    });
  },
);

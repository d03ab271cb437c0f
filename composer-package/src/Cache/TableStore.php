<?php

declare(strict_types=1);

namespace Ephpm\Octane\Cache;

use Closure;
use Ephpm\Octane\Table;
use Ephpm\Octane\TableException;
use Illuminate\Contracts\Cache\Store;
use Illuminate\Support\Carbon;
use Throwable;

/**
 * Laravel cache store over an ephpm shared table: every worker process (request, task and tick workers) sees the
 * same values. The engine under Octane's `Cache::store('octane')`.
 *
 * Row layout (the runtime makes the table from [cache] rows/bytes, see CACHE_TABLE):
 *   value       string:<bytes>  the serialized value, or '' when the row holds an integer
 *   number      int             the integer, when value is ''; increment() works on it with the table's atomic incr
 *   expiration  int             milliseconds since the epoch; 0 = never
 */
final class TableStore implements Store
{
    /** The table ephpm creates when [cache] (or EPHPM_CACHE) is set. */
    public const CACHE_TABLE = 'octane.cache';

    /** Table keys hold at most this many bytes; longer cache keys are stored under a hash of themselves. */
    private const MAX_KEY_BYTES = 63;

    private const INTERVAL_PREFIX = 'ephpm:interval:';

    /** When refreshIntervals() last ran; while it is recent, a tick worker refreshes and reads never do. */
    private const REFRESHER_KEY = 'ephpm:intervals-refreshed';

    /** A tick comes every second; a refresher silent for longer than this is taken to be gone. */
    private const REFRESHER_GRACE_MS = 3000;

    /** @var array<string, array{Closure, int}> this process's interval resolvers and their periods in seconds */
    private array $intervals = [];

    /** @param (Closure(Throwable): void)|null $reportFailure gets a resolver's exception during refreshIntervals() */
    public function __construct(private readonly Table $table, private readonly ?Closure $reportFailure = null)
    {
    }

    /** The store over the table the running server made for [cache]. */
    public static function fromRuntime(?Closure $reportFailure = null): self
    {
        try {
            return new self(\Ephpm\Octane\table(self::CACHE_TABLE), $reportFailure);
        } catch (TableException $e) {
            throw new \RuntimeException(
                'This server has no cache table. Add a [cache] section to ephpm.toml (rows = 1000, bytes = 10000), '
                . 'or start it with --cache \'{"rows":1000,"bytes":10000}\'. (' . $e->getMessage() . ')',
                0,
                $e,
            );
        }
    }

    public function get($key): mixed
    {
        $key = (string) $key;
        $row = $this->table->get($this->tableKey($key));
        $fresh = $row !== false && !$this->expired($row);
        if (!isset($this->intervals[$key])) {
            return $fresh ? $this->decode($row) : null;
        }
        if (!$fresh || ($this->intervalIsDue($key) && !$this->refresherIsRunning())) {
            return $this->refreshInterval($key);
        }
        return $this->decode($row);
    }

    public function many(array $keys): array
    {
        $values = [];
        foreach ($keys as $key) {
            $values[$key] = $this->get($key);
        }
        return $values;
    }

    public function put($key, $value, $seconds): bool
    {
        $this->write((string) $key, $value, self::now() + (int) round(1000 * $seconds));
        return true;
    }

    public function putMany(array $values, $seconds): bool
    {
        foreach ($values as $key => $value) {
            $this->put($key, $value, $seconds);
        }
        return true;
    }

    public function forever($key, $value): bool
    {
        $this->write((string) $key, $value, 0);
        return true;
    }

    /**
     * Atomic across processes while the row holds an integer (a put() int, or a key made by increment()): the
     * table adds under its stripe lock, and creates a missing row the same way. Two cases are read-then-write:
     * turning a row that holds a non-integer into a counter, and restarting a counter whose TTL just ran out.
     */
    public function increment($key, $value = 1): int
    {
        $key = (string) $key;
        $tableKey = $this->tableKey($key);
        $step = (int) $value;
        $row = $this->table->get($tableKey);
        if ($row !== false && $this->expired($row)) {
            $this->table->del($tableKey);
        } elseif ($row !== false && $row['value'] !== '') {
            $number = (int) unserialize($row['value']) + $step;
            $this->write($key, $number, $row['expiration']);
            return $number;
        }
        return $this->withRoom($key, fn (): int => $this->table->incr($tableKey, 'number', $step));
    }

    public function decrement($key, $value = 1): int
    {
        return $this->increment($key, -(int) $value);
    }

    public function forget($key): bool
    {
        return $this->table->del($this->tableKey((string) $key));
    }

    /** Removes every value; interval registrations stay (their next read or tick resolves them again). */
    public function flush(): bool
    {
        foreach ($this->tableKeys() as $tableKey) {
            if (!str_starts_with($tableKey, self::INTERVAL_PREFIX) && $tableKey !== self::REFRESHER_KEY) {
                $this->table->del($tableKey);
            }
        }
        return true;
    }

    public function getPrefix(): string
    {
        return '';
    }

    /**
     * Keeps $key holding what $resolver returns, resolved again every $seconds by refreshIntervals() (the tick
     * worker), or on a read once it is due when no tick worker refreshes. Register it in every worker process that
     * reads the key and in the tick worker: resolvers are closures, so they live in each process, not in the table.
     */
    public function interval(string $key, Closure $resolver, int $seconds): void
    {
        $this->intervals[$key] = [$resolver, max(1, $seconds)];
    }

    /** Call on every tick: resolves the intervals that are due. A resolver that throws is reported, the rest run. */
    public function refreshIntervals(): void
    {
        $this->table->set(self::REFRESHER_KEY, ['value' => '', 'number' => self::now(), 'expiration' => 0]);
        foreach (array_keys($this->intervals) as $key) {
            if (!$this->intervalIsDue($key)) {
                continue;
            }
            try {
                $this->refreshInterval((string) $key);
            } catch (Throwable $e) {
                $this->reportFailure !== null ? ($this->reportFailure)($e) : error_log("ephpm cache: interval [{$key}] failed to refresh: {$e}");
            }
        }
    }

    /** Octane's name for refreshIntervals(). */
    public function refreshIntervalCaches(): void
    {
        $this->refreshIntervals();
    }

    private function refreshInterval(string $key): mixed
    {
        [$resolver, ] = $this->intervals[$key];
        // Marked before resolving, so other processes reading meanwhile keep the old value instead of resolving too.
        $this->table->set($this->tableKey(self::INTERVAL_PREFIX . $key), ['value' => '', 'number' => self::now(), 'expiration' => 0]);
        $value = $resolver();
        $this->write($key, $value, 0);
        return $value;
    }

    private function intervalIsDue(string $key): bool
    {
        $refreshedAt = $this->table->get($this->tableKey(self::INTERVAL_PREFIX . $key), 'number');
        return $refreshedAt === false || self::now() - $refreshedAt >= 1000 * $this->intervals[$key][1];
    }

    private function refresherIsRunning(): bool
    {
        $lastRun = $this->table->get(self::REFRESHER_KEY, 'number');
        return $lastRun !== false && self::now() - $lastRun < self::REFRESHER_GRACE_MS;
    }

    private function write(string $key, mixed $value, int $expiration): void
    {
        $row = is_int($value)
            ? ['value' => '', 'number' => $value, 'expiration' => $expiration]
            : ['value' => serialize($value), 'number' => 0, 'expiration' => $expiration];
        $tableKey = $this->tableKey($key);
        try {
            $this->withRoom($key, fn () => $this->table->set($tableKey, $row));
        } catch (\Ephpm\Octane\ValueTooLargeForColumnException | \Laravel\Octane\Exceptions\ValueTooLargeForColumnException $e) {
            throw CacheValueTooLarge::forKey($key, strlen($row['value']), $e);
        }
    }

    /** Runs a write; when the table is full, drops the expired rows once and tries again. */
    private function withRoom(string $key, Closure $write): mixed
    {
        try {
            return $write();
        } catch (TableException) {
            $this->removeExpired();
        }
        try {
            return $write();
        } catch (TableException $e) {
            throw CacheFull::forKey($key, $e);
        }
    }

    private function removeExpired(): void
    {
        foreach ($this->tableKeys() as $tableKey) {
            $row = $this->table->get($tableKey);
            if ($row !== false && $this->expired($row)) {
                $this->table->del($tableKey);
            }
        }
    }

    /** @return list<string> collected first: rows are not deleted while the table is being walked */
    private function tableKeys(): array
    {
        $keys = [];
        foreach ($this->table as $tableKey => $row) {
            $keys[] = (string) $tableKey;
        }
        return $keys;
    }

    /** @param array{value: string, number: int, expiration: int} $row */
    private function decode(array $row): mixed
    {
        return $row['value'] === '' ? $row['number'] : unserialize($row['value']);
    }

    /** @param array{value: string, number: int, expiration: int} $row */
    private function expired(array $row): bool
    {
        return $row['expiration'] !== 0 && $row['expiration'] <= self::now();
    }

    private function tableKey(string $key): string
    {
        if (strlen($key) <= self::MAX_KEY_BYTES) {
            return $key;
        }
        return '#' . rtrim(strtr(base64_encode(hash('sha256', $key, true)), '+/', '-_'), '=');
    }

    /**
     * Milliseconds since the epoch, on Carbon's clock as Octane's store is: a test time (Carbon::setTestNow(),
     * $this->travel()) moves TTLs and intervals. Without one, the system clock (cheaper than making a Carbon).
     */
    private static function now(): int
    {
        if (class_exists(Carbon::class) && Carbon::hasTestNow()) {
            return Carbon::now()->getTimestampMs();
        }
        return (int) floor(microtime(true) * 1000);
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Cluster;

use Ephpm\Octane\InvalidTableArgument;
use Ephpm\Octane\Table;
use Redis;
use RedisException;

/**
 * `Octane::table('users')->strong()` in cluster mode: the table's cluster copy in Redis, read and written there
 * directly (one Redis primary, so every call is linearizable: a read sees every write that returned before it,
 * on any node). Writes run the same script as replicated ones (replicate.lua), so every node's local copy takes
 * them too, a few milliseconds later. For the few values that need it (locks, quotas); local reads stay as fast as
 * shared memory. Needs phpredis (Debian: php8.2-redis). docs/ARCHITECTURE.md, "Cluster mode".
 */
final class StrongTable
{
    private const STREAM_BOUND = '100000';

    /** @var array<string, Redis> one connection per Redis URL, for the life of the worker script */
    private static array $connections = [];

    private static ?string $script = null;

    /** @var array<string, string> column => int | float | string */
    private readonly array $columns;

    public function __construct(
        private readonly Table $local,
        private readonly string $name,
        private readonly string $redisUrl,
        private readonly string $node,
    ) {
        $this->columns = columns($local);
    }

    /** The row (or one column of it), or false when the cluster's copy has no such row. */
    public function get(string $key, ?string $column = null): mixed
    {
        $row = $this->row($key);
        $names = array_keys($this->columns);
        $values = $this->call(fn (Redis $redis) => $redis->hMGet("ephpm:table:{$this->name}", [$row, ...array_map(fn ($c) => "{$row}v{$c}", $names)]));
        if (!is_string($values[$row] ?? null) || !str_starts_with($values[$row], 'L')) {
            return false;
        }
        $typed = [];
        foreach ($names as $name) {
            $typed[$name] = $this->typed($name, $values["{$row}v{$name}"] ?? false);
        }
        if ($column === null || $column === '') {
            return $typed;
        }
        if (!array_key_exists($column, $typed)) {
            throw new InvalidTableArgument(sprintf('Table [%s] has no column [%s]; its columns: %s.', $this->name, $column, implode(', ', array_keys($typed))));
        }
        return $typed[$column];
    }

    public function exists(string $key): bool
    {
        $row = $this->row($key);
        $state = $this->call(fn (Redis $redis) => $redis->hGet("ephpm:table:{$this->name}", $row));
        return is_string($state) && str_starts_with($state, 'L');
    }

    /** @param array<string, mixed> $values columns left out keep their value, as in set() */
    public function set(string $key, array $values): bool
    {
        $fields = [];
        foreach (encode_row($this->local, $values) as $column => $text) {
            array_push($fields, (string) $column, $text);
        }
        $this->write(['set', $this->name, $this->key($key), '0', '', ...$fields]);
        return true;
    }

    /** Atomic across every node: each call returns a value no other call returned. */
    public function incr(string $key, string $column, int|float $by = 1): int|float
    {
        [$type, $step] = encode_step($this->local, $column, $by);
        $row = $this->write([$type === 'int' ? 'incr' : 'incf', $this->name, $this->key($key), '0', '', $column, $step]);
        return $this->typed($column, $row[2 + array_search($column, array_keys($this->columns), true)]);
    }

    public function decr(string $key, string $column, int|float $by = 1): int|float
    {
        return $this->incr($key, $column, -$by);
    }

    /** Deletes the row everywhere; false when the cluster's copy had no such row. */
    public function del(string $key): bool
    {
        return $this->write(['del', $this->name, $this->key($key), '0', ''])[0] === 'L';
    }

    private function key(string $key): string
    {
        if ($key === '' || strlen($key) > 63) {
            throw new InvalidTableArgument($key === ''
                ? "Table [{$this->name}]: a key must not be empty."
                : sprintf('Key [%s] is %d bytes; table [%s] keys hold at most 63 bytes.', strlen($key) > 20 ? substr($key, 0, 20) . '...' : $key, strlen($key), $this->name));
        }
        return $key;
    }

    private function row(string $key): string
    {
        return chr(strlen($this->key($key))) . $key;
    }

    private function typed(string $column, mixed $text): int|float|string
    {
        $text = is_string($text) ? $text : '';
        return match ($this->columns[$column]) {
            'int' => (int) $text,
            'float' => (float) $text,
            default => $text,
        };
    }

    /**
     * @param list<string> $op
     * @return list<string> the row's state before ('L', 'D' or ''), its state after, and its values
     */
    private function write(array $op): array
    {
        $encoded = implode('', array_map(static fn (string $part): string => strlen($part) . ':' . $part, $op));
        $keys = ['ephpm:stream', 'ephpm:schema', 'ephpm:applied', 'ephpm:epoch', "ephpm:table:{$this->name}"];
        $args = [...$keys, "{$this->node}#strong", $this->node, self::STREAM_BOUND, 's', $encoded];
        $script = self::$script ??= (string) file_get_contents(__DIR__ . '/replicate.lua');
        $result = $this->call(static function (Redis $redis) use ($script, $args, $keys) {
            $result = $redis->evalSha(sha1($script), $args, count($keys));
            if ($result === false && str_starts_with((string) $redis->getLastError(), 'NOSCRIPT')) {
                $redis->clearLastError();
                $result = $redis->eval($script, $args, count($keys));
            }
            if ($result === false) {
                throw new ClusterUnavailable('Redis refused the strong() write: ' . $redis->getLastError());
            }
            return $result;
        });
        return $result[0];
    }

    /** @template T @param callable(Redis): T $command @return T */
    private function call(callable $command): mixed
    {
        try {
            return $command(self::$connections[$this->redisUrl] ??= $this->connect());
        } catch (RedisException $e) {
            unset(self::$connections[$this->redisUrl]);
            throw new ClusterUnavailable("strong(): Redis at {$this->shownUrl()} is unreachable ({$e->getMessage()}); a strong read or write needs it, and a write that failed this way may or may not have been applied.", 0, $e);
        }
    }

    private function connect(): Redis
    {
        if (!class_exists(Redis::class)) {
            throw new ClusterUnavailable('strong() needs the phpredis extension: sudo apt-get install -y php8.2-redis');
        }
        $url = parse_url($this->redisUrl) ?: [];
        $redis = new Redis();
        $host = ($url['scheme'] ?? 'redis') === 'rediss' ? 'tls://' . ($url['host'] ?? '') : ($url['host'] ?? '');
        $redis->connect($host, (int) ($url['port'] ?? 6379), 2.0);
        if (isset($url['pass']) && !$redis->auth(isset($url['user']) && $url['user'] !== '' ? [rawurldecode($url['user']), rawurldecode($url['pass'])] : rawurldecode($url['pass']))) {
            throw new RedisException('the password was refused: ' . $redis->getLastError());
        }
        $redis->select((int) ltrim($url['path'] ?? '0', '/'));
        return $redis;
    }

    private function shownUrl(): string
    {
        return (string) preg_replace('#//([^@/]*):[^@/]*@#', '//$1:***@', $this->redisUrl);
    }
}

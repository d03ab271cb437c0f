<?php

declare(strict_types=1);

namespace Ephpm\Octane\Cache;

/** A cache value whose serialized form does not fit the cache table's value column. */
final class CacheValueTooLarge extends \InvalidArgumentException
{
    public static function forKey(string $key, int $bytes, \Throwable $previous): self
    {
        return new self(
            "The cache value for key [{$key}] is {$bytes} bytes serialized, more than the octane cache table holds "
            . "per value. Raise `bytes` in [cache] of ephpm.toml (Octane: 'cache' => ['bytes' => ...] in config/octane.php), "
            . "or cache something smaller. ({$previous->getMessage()})",
            0,
            $previous,
        );
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Cache;

/** Every row of the cache table holds a live value, so a new key has no room. */
final class CacheFull extends \RuntimeException
{
    public static function forKey(string $key, \Throwable $previous): self
    {
        return new self(
            "The octane cache table is full of unexpired values, so key [{$key}] was not stored. Raise `rows` in [cache] "
            . "of ephpm.toml (Octane: 'cache' => ['rows' => ...] in config/octane.php), or give values shorter lifetimes. "
            . "({$previous->getMessage()})",
            0,
            $previous,
        );
    }
}

<?php

/** @generate-class-entries */

// The shared tables' PHP face (table_php.cc): Swoole\Table's methods as Octane users call them, table()/tables(),
// and the exceptions. scripts/generate-arginfo.sh turns this file into tables_arginfo.h.

namespace Ephpm\Octane;

/**
 * A shared-memory table defined in ephpm.toml [tables] (or EPHPM_TABLES). With $swoole, it is as lenient as
 * Swoole\Table (what Octane::table() gives): set() skips undeclared columns, a fraction for an int is truncated.
 */
function table(string $name, bool $swoole = false): Table {}

/** Every table, by name. */
function tables(): array {}

/**
 * @strict-properties
 * @not-serializable
 */
final class Table implements \Iterator, \Countable
{
    /** Tables are made by ephpm from their definitions: table('name') gives one. */
    private function __construct() {}

    /** The row as an array, or one column's value with $field; false when the key is absent. */
    public function get(string $key, ?string $field = null): mixed {}

    public function set(string $key, array $row): bool {}

    public function incr(string $key, string $column, int|float $by = 1): int|float {}

    public function decr(string $key, string $column, int|float $by = 1): int|float {}

    public function exists(string $key): bool {}

    /** @alias Ephpm\Octane\Table::exists */
    public function exist(string $key): bool {}

    public function del(string $key): bool {}

    public function count(): int {}

    public function getSize(): int {}

    public function getMemorySize(): int {}

    public function rewind(): void {}

    public function next(): void {}

    public function valid(): bool {}

    public function key(): mixed {}

    public function current(): mixed {}

    /** Cluster mode: a view of this table whose reads and writes go to Redis (native/cluster/strong_php.cc). */
    public function strong(): Cluster\StrongTable {}
}

class TableException extends \RuntimeException
{
}

class InvalidTableArgument extends \InvalidArgumentException
{
}

class ValueTooLargeForColumnException extends InvalidTableArgument
{
}

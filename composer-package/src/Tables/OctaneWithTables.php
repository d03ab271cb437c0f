<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tables;

use Ephpm\Octane\Table;
use Laravel\Octane\Octane;

use function Ephpm\Octane\table;

/**
 * What the Octane facade resolves to under ephpm: Octane::table() gives the runtime's shared table (Swoole's table
 * API: get, set, incr, decr, del, exists, count, foreach), made from config('octane.tables'), as lenient as
 * Swoole\Table where apps written for Swoole rely on it (undeclared columns skipped, fractions truncated for ints);
 * every other call goes to Octane itself. (A subclass of Octane cannot do this: its table() is declared to return
 * Swoole\Table.)
 */
final class OctaneWithTables
{
    /** @var array<string, Table> one object per table, as Octane keeps one Swoole\Table per table */
    private array $tables = [];

    public function __construct(private readonly Octane $octane)
    {
    }

    public function table(string $name): Table
    {
        return $this->tables[$name] ??= table($name, true);
    }

    /** @param list<mixed> $arguments */
    public function __call(string $method, array $arguments): mixed
    {
        return $this->octane->{$method}(...$arguments);
    }
}

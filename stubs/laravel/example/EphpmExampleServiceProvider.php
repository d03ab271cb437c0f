<?php

namespace App\Providers;

use Illuminate\Support\ServiceProvider;
use Laravel\Octane\Facades\Octane;

/**
 * ephpm's example: Octane's shared table, a tick and concurrently() on the ephpm runtime; GET /ephpm-example shows
 * them. To remove it: this file, its line in bootstrap/providers.php, routes/ephpm-example.php and the example's
 * part of ephpm.toml.
 */
class EphpmExampleServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        // Once a second, in the tick worker: one more tick counted in the table every worker process shares.
        Octane::tick('ephpm-example', fn () => Octane::table('example')->incr('ticks', 'votes'));

        $this->loadRoutesFrom(base_path('routes/ephpm-example.php'));
    }
}

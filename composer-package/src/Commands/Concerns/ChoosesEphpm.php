<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands\Concerns;

/** Octane's commands, with `--server=ephpm` (or OCTANE_SERVER=ephpm) routed to ephpm and every other server left to Octane. */
trait ChoosesEphpm
{
    protected function ephpmChosen(): bool
    {
        return ($this->option('server') ?: config('octane.server')) === 'ephpm';
    }
}

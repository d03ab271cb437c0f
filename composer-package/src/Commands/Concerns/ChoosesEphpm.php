<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands\Concerns;

use Closure;
use Ephpm\Octane\Server\ServerProcessInspector;
use RuntimeException;

/**
 * Octane's commands, with `--server=ephpm` (or OCTANE_SERVER=ephpm) routed to ephpm and every other server left to
 * Octane's own handle().
 */
trait ChoosesEphpm
{
    protected function ephpmChosen(): bool
    {
        return ($this->option('server') ?: config('octane.server')) === 'ephpm';
    }

    /**
     * Runs `$ephpm` with the inspector when ephpm is the server, Octane's handle() otherwise. A runtime that cannot be
     * found or that fails is an error line, exit code 1.
     *
     * @param Closure(ServerProcessInspector): int $ephpm
     */
    protected function handleServer(Closure $ephpm): int
    {
        if (!$this->ephpmChosen()) {
            return (int) parent::handle();
        }
        try {
            return $ephpm(app(ServerProcessInspector::class));
        } catch (RuntimeException $e) {
            $this->error($e->getMessage());
            return 1;
        }
    }
}

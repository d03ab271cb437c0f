<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Commands\Concerns\ChoosesEphpm;
use Ephpm\Octane\Server\ServerProcessInspector;
use Laravel\Octane\Commands\ReloadCommand as OctaneReloadCommand;

/** `octane:reload --server=ephpm`: replaces the worker processes one at a time, without failing a request. */
final class ReloadCommand extends OctaneReloadCommand
{
    use ChoosesEphpm;

    /** @return int */
    public function handle()
    {
        return $this->handleServer(function (ServerProcessInspector $inspector): int {
            if (!$inspector->serverIsRunning()) {
                $this->error('Octane server is not running.');
                return 1;
            }
            $this->info('Reloading workers...');
            $inspector->reloadServer();
            return 0;
        });
    }
}

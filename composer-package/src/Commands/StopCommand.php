<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Commands\Concerns\ChoosesEphpm;
use Ephpm\Octane\Server\ServerProcessInspector;
use Ephpm\Octane\Server\ServerStateFile;
use Laravel\Octane\Commands\StopCommand as OctaneStopCommand;

/** `octane:stop --server=ephpm`: stops the server gracefully (requests in flight finish) and waits until it is gone. */
final class StopCommand extends OctaneStopCommand
{
    use ChoosesEphpm;

    /** @return int */
    public function handle()
    {
        return $this->handleServer(function (ServerProcessInspector $inspector): int {
            $stateFile = app(ServerStateFile::class);
            if (!$inspector->serverIsRunning()) {
                $stateFile->delete();
                $this->error('ephpm server is not running.');
                return 1;
            }
            $this->info('Stopping server...');
            if (!$inspector->stopServer()) {
                $this->error('Failed to stop the ephpm server.');
                return 1;
            }
            $stateFile->delete();
            return 0;
        });
    }
}

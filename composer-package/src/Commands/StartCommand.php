<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Commands\Concerns\ChoosesEphpm;
use Laravel\Octane\Commands\StartCommand as OctaneStartCommand;

/** `octane:start`: `--server=ephpm` starts ephpm (octane:ephpm); swoole, roadrunner and frankenphp start as ever. */
final class StartCommand extends OctaneStartCommand
{
    use ChoosesEphpm;

    private ?StartEphpmCommand $ephpm = null;

    /** @return int */
    public function handle()
    {
        if (!$this->ephpmChosen()) {
            return parent::handle();
        }
        $command = $this->getApplication()?->find('octane:ephpm');
        $this->ephpm = $command instanceof StartEphpmCommand ? $command : null;
        return $this->call('octane:ephpm', [
            '--host' => $this->getHost(),
            '--port' => $this->getPort(),
            '--workers' => $this->option('workers'),
            '--task-workers' => $this->option('task-workers'),
            '--max-requests' => $this->option('max-requests'),
            '--watch' => $this->option('watch'),
            '--poll' => $this->option('poll'),
        ]);
    }

    /** Signals reach the command Artisan started, this one: ephpm's server is stopped by octane:ephpm itself. */
    public function handleSignal(int $signal, int|false $previousExitCode = 0): int|false
    {
        return $this->ephpm !== null
            ? $this->ephpm->handleSignal($signal, $previousExitCode)
            : parent::handleSignal($signal, $previousExitCode);
    }
}

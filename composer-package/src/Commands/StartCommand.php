<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Commands\Concerns\ChoosesEphpm;
use Laravel\Octane\Commands\StartCommand as OctaneStartCommand;

/**
 * `octane:start`: `--server=ephpm` starts ephpm (octane:ephpm); swoole, roadrunner and frankenphp start as ever.
 *
 * Octane 2.13's signature gives --workers, --task-workers and --max-requests no default: an option left out falls
 * back to `octane.workers`, `octane.task_workers` and `octane.max_requests`, then to Swoole's defaults (one worker and
 * one task worker per CPU, 500 requests). Unlike Octane's `option() ?: config()`, an explicit `--task-workers=0`
 * means none.
 */
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
            '--workers' => $this->optionOrConfig('workers', 'octane.workers', 'auto'),
            '--task-workers' => $this->optionOrConfig('task-workers', 'octane.task_workers', 'auto'),
            '--max-requests' => $this->optionOrConfig('max-requests', 'octane.max_requests', 500),
            '--watch' => $this->option('watch'),
            '--poll' => $this->option('poll'),
        ]);
    }

    private function optionOrConfig(string $option, string $configKey, string|int $default): string
    {
        foreach ([$this->option($option), config($configKey)] as $value) {
            if ($value !== null && $value !== '') {
                return (string) $value;
            }
        }
        return (string) $default;
    }

    /** Signals reach the command Artisan started, this one: ephpm's server is stopped by octane:ephpm itself. */
    public function handleSignal(int $signal, int|false $previousExitCode = 0): int|false
    {
        return $this->ephpm !== null
            ? $this->ephpm->handleSignal($signal, $previousExitCode)
            : parent::handleSignal($signal, $previousExitCode);
    }
}

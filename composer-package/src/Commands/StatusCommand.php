<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Commands\Concerns\ChoosesEphpm;
use Ephpm\Octane\Server\ServerProcessInspector;
use Ephpm\Octane\Server\ServerStateFile;
use Laravel\Octane\Commands\StatusCommand as OctaneStatusCommand;

/** `octane:status --server=ephpm`: asks the runtime; a state file left by a server that is gone is reported and removed. */
final class StatusCommand extends OctaneStatusCommand
{
    use ChoosesEphpm;

    /** @return int */
    public function handle()
    {
        return $this->handleServer(function (ServerProcessInspector $inspector): int {
            $status = $inspector->status();
            if ($status === null) {
                $this->reportStaleStateFile($inspector);
                $this->info('Octane server is not running.');
                return 1;
            }
            $this->info('Octane server is running.');
            $serving = array_filter($status['workers'] ?? [], static fn (array $worker): bool => ($worker['state'] ?? '') === 'serving');
            $workers = array_map(static fn (array $worker): string => (string) $worker['pid'], $serving);
            $this->line(sprintf('  %s · pid %d · %d workers serving (pids %s) · %s requests', $status['url'] ?? '', $status['pid'] ?? 0, count($workers), implode(', ', $workers), number_format((int) ($status['totalRequests'] ?? 0))));
            $this->reportTaskWorkers($status['taskWorkers'] ?? []);
            return 0;
        });
    }

    /**
     * The task workers (Octane::concurrently()) and the tick worker (Octane::tick()), with the ticks that were
     * skipped because a tick ran longer than a second.
     *
     * @param list<array<string, mixed>> $taskWorkers
     */
    private function reportTaskWorkers(array $taskWorkers): void
    {
        $tasks = array_filter($taskWorkers, static fn (array $worker): bool => ($worker['role'] ?? '') === 'task');
        $this->line(sprintf(
            '  %d task workers%s · %s tasks',
            count($tasks),
            $tasks === [] ? '' : ' (pids ' . implode(', ', array_map(static fn (array $worker): string => (string) $worker['pid'], $tasks)) . ')',
            number_format(array_sum(array_map(static fn (array $worker): int => (int) ($worker['done'] ?? 0), $tasks))),
        ));
        foreach ($taskWorkers as $worker) {
            if (($worker['role'] ?? '') === 'tick') {
                $this->line(sprintf('  tick worker (pid %d) · %s ticks · %s missed', $worker['pid'] ?? 0, number_format((int) ($worker['done'] ?? 0)), number_format((int) ($worker['missedTicks'] ?? 0))));
            }
        }
    }

    private function reportStaleStateFile(ServerProcessInspector $inspector): void
    {
        $stalePid = $inspector->stalePid();
        if ($stalePid !== null) {
            $stateFile = app(ServerStateFile::class);
            $stateFile->delete();
            $this->warn("The state file {$stateFile->path()} named a server (pid {$stalePid}) that is no longer running; it was removed.");
        }
    }
}

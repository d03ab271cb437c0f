<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use Ephpm\Octane\Tasks\TaskDispatcher;
use Laravel\Octane\ApplicationFactory;
use Laravel\Octane\Contracts\DispatchesTasks;
use Laravel\Octane\Worker;

/** Boots the app once per worker process through Octane's Worker (which fires WorkerStarting). */
final class WorkerBootstrap
{
    public static function boot(string $basePath, EphpmClient $client): Worker
    {
        $initialInstances = [];
        if ((string) getenv('EPHPM_TASK_SOCKETS') !== '') {
            // Octane::concurrently() runs its closures on ephpm's task workers.
            $initialInstances[DispatchesTasks::class] = new TaskDispatcher();
        }
        $worker = new Worker(new ApplicationFactory($basePath), $client);
        $worker->boot($initialInstances);
        return $worker;
    }
}

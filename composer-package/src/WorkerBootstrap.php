<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use Ephpm\Octane\Listeners\ResolveLifecycleListenersOnce;
use Ephpm\Octane\Tasks\InProcessTaskDispatcher;
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
        if (worker_role() === 'http') {
            // Octane::concurrently() in a request runs its closures on ephpm's task workers, or in-process with a
            // warning when there are none (in a task it runs in-process, as Octane's fallback: a task worker waiting
            // on task workers could wait on itself).
            $initialInstances[DispatchesTasks::class] = (string) getenv('EPHPM_TASK_SOCKETS') !== ''
                ? new TaskDispatcher()
                : new InProcessTaskDispatcher();
        }
        $worker = new Worker(new ApplicationFactory($basePath), $client);
        $worker->boot($initialInstances);
        ResolveLifecycleListenersOnce::in($worker->application());
        return $worker;
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tasks;

use Laravel\Octane\Contracts\DispatchesTasks;
use Laravel\Octane\SequentialTaskDispatcher;

/**
 * Octane::concurrently() in a request worker of a server started without task workers: the closures run one after
 * another in the request's own process, as Octane runs them on its servers without Swoole (RoadRunner, FrankenPHP),
 * so an app written for Octane keeps working; the server's log says once per process how to run them in parallel.
 */
final class InProcessTaskDispatcher implements DispatchesTasks
{
    private readonly SequentialTaskDispatcher $sequential;

    private bool $warned = false;

    public function __construct()
    {
        $this->sequential = new SequentialTaskDispatcher();
    }

    public function resolve(array $tasks, int $waitMilliseconds = 3000): array
    {
        $this->warnOnce();
        return $this->sequential->resolve($tasks, $waitMilliseconds);
    }

    public function dispatch(array $tasks): void
    {
        $this->warnOnce();
        $this->sequential->dispatch($tasks);
    }

    private function warnOnce(): void
    {
        if ($this->warned) {
            return;
        }
        $this->warned = true;
        error_log(
            'ephpm: Octane::concurrently() ran its tasks one after another in the request\'s worker: this server has no '
            . 'task workers. Start some to run them in parallel: php artisan octane:start --task-workers=N (or leave it '
            . 'at auto, one per CPU), ephpm serve --task-workers N, or task_workers = N under [server] in ephpm.toml.',
        );
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tasks;

use Laravel\Octane\Worker;
use Laravel\SerializableClosure\SerializableClosure;

use function Ephpm\Octane\finish_task;
use function Ephpm\Octane\take_task;
use function Ephpm\Octane\take_tick;
use function Ephpm\Octane\worker_role;

/**
 * The loops of ephpm's task and tick workers: a task is a closure TaskDispatcher serialized, run by Octane's
 * Worker::handleTask() (TaskReceived / TaskTerminated); a tick is Octane's Worker::handleTick() (TickReceived, which
 * runs the Octane::tick() callbacks).
 */
final class TaskRunner
{
    public static function run(Worker $worker): void
    {
        if (worker_role() === 'tick') {
            $missedBefore = false;
            while (($tick = take_tick()) !== null) {
                if ($tick['missed'] > 0 && !$missedBefore) {
                    // Said once per process; `ephpm status`, octane:status and /metrics keep counting.
                    $missedBefore = true;
                    error_log("ephpm: {$tick['missed']} tick(s) skipped while an Octane::tick() callback ran for longer than a second; "
                        . 'ticks never pile up, they are dropped and counted (missed ticks in ephpm status / octane:status).');
                }
                $worker->handleTick();
            }
            return;
        }
        while (($payload = take_task()) !== null) {
            $task = unserialize($payload);
            if ($task instanceof SerializableClosure) {
                $task = $task->getClosure();
            }
            // A TaskResult, or a TaskExceptionResult when the closure threw: both travel back serialized.
            finish_task(serialize($worker->handleTask($task)));
        }
    }
}

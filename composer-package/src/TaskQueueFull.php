<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/**
 * Thrown by run_tasks() and dispatch_tasks() when some tasks were refused by every task worker
 * (each already holds --task-queue-size waiting tasks). The other tasks of the call were queued
 * and run anyway (run_tasks() does not return their results).
 */
class TaskQueueFull extends RuntimeException
{
    /** @var list<array-key>|null keys of the tasks that were queued and run */
    public $acceptedKeys = null;

    /** @var list<array-key>|null keys of the tasks no task worker took */
    public $rejectedKeys = null;
}

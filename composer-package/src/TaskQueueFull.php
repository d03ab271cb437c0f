<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/** Thrown by run_tasks() when a task worker already holds --task-queue-size waiting tasks. */
class TaskQueueFull extends RuntimeException
{
}

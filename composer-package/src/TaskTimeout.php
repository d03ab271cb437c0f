<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/** Thrown by run_tasks() when tasks did not finish within the wait. */
class TaskTimeout extends RuntimeException
{
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/**
 * A task that threw, as run_tasks() returns it (not thrown: `throw $result` to
 * rethrow). Message, code, file and line are the original's. Under ephpm the
 * runtime defines this class; this copy is for code that runs outside it.
 */
class TaskFailed extends RuntimeException
{
    /** The class of the exception the task threw. */
    public string $originalClass = '';

    /** The original exception's trace, as getTraceAsString() printed it in the task worker. */
    public string $originalTrace = '';
}

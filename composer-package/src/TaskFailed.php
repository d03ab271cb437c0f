<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/**
 * A task that threw, as run_tasks() returns it (not thrown: `throw $result` to
 * rethrow). Message, code, file and line are the original's. Under ephpm the
 * runtime defines this class (native/tasks/tasks.stub.php); this copy is for
 * code that runs outside it.
 */
class TaskFailed extends RuntimeException
{
    /** @var string the class of the exception the task threw (untyped, as the runtime declares it) */
    public $originalClass = '';

    /** @var string the original exception's trace, as getTraceAsString() printed it in the task worker */
    public $originalTrace = '';
}

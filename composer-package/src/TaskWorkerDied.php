<?php

declare(strict_types=1);

namespace Ephpm\Octane;

/** The task worker running the task exited (killed, crashed) before it answered. */
class TaskWorkerDied extends TaskFailed
{
}

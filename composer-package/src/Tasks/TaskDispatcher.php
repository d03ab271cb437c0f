<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tasks;

use Closure;
use Ephpm\Octane\TaskFailed;
use Ephpm\Octane\TaskTimeout;
use Laravel\Octane\Contracts\DispatchesTasks;
use Laravel\Octane\Exceptions\TaskException;
use Laravel\Octane\Exceptions\TaskExceptionResult;
use Laravel\Octane\Exceptions\TaskTimeoutException;
use Laravel\SerializableClosure\SerializableClosure;

use function Ephpm\Octane\dispatch_tasks;
use function Ephpm\Octane\run_tasks;

/**
 * Octane::concurrently() on ephpm's task workers: each closure travels serialized (SerializableClosure), runs in
 * Octane's Worker::handleTask() there (TaskRunner), and its result comes back serialized. Keys are kept; a task that
 * threw is rethrown here as Octane's TaskException, a timeout as Octane's TaskTimeoutException.
 */
final class TaskDispatcher implements DispatchesTasks
{
    public function resolve(array $tasks, int $waitMilliseconds = 3000): array
    {
        try {
            $results = run_tasks(array_map(self::payload(...), $tasks), max(1, $waitMilliseconds));
        } catch (TaskTimeout) {
            throw TaskTimeoutException::after($waitMilliseconds);
        }
        foreach ($results as $key => $result) {
            if ($result instanceof TaskFailed) {
                // The task worker died under it (a fatal error): Octane's shape, with the runtime's message.
                throw new TaskException($result->originalClass, $result->getMessage(), (int) $result->getCode(), $result->getFile(), $result->getLine());
            }
            $value = unserialize($result);
            if ($value instanceof TaskExceptionResult) {
                throw $value->getOriginal();
            }
            $results[$key] = $value->result ?? false;
        }
        return $results;
    }

    public function dispatch(array $tasks): void
    {
        dispatch_tasks(array_map(self::payload(...), $tasks));
    }

    private static function payload(mixed $task): string
    {
        return serialize($task instanceof Closure ? new SerializableClosure($task) : $task);
    }
}

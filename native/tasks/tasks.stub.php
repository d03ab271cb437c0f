<?php

/** @generate-class-entries */

// Task and tick workers' functions and the exceptions of run_tasks()/dispatch_tasks() (task_php.cc).
// scripts/generate-arginfo.sh turns this file into tasks_arginfo.h; composer-package/ repeats the functions in
// src/runtime-functions.php and the classes in src/Task*.php, for plain php.

namespace Ephpm\Octane;

/** 'http', 'task' or 'tick': what this worker process is for. */
function worker_role(): string {}

/** Task workers: the next task's payload; null when the server stops. */
function take_task(): ?string {}

function finish_task(string $result = ""): void {}

function fail_task(\Throwable $error): void {}

/** The tick worker: ['number' => int, 'time' => float, 'missed' => int]; null when the server stops. */
function take_tick(): ?array {}

/**
 * Runs the payloads (strings) on the task workers in parallel; keys are kept. Each value is the task's result string
 * or a TaskFailed. Throws TaskTimeout after $waitMilliseconds (the tasks keep running), TaskQueueFull when every task
 * worker refused some task ($acceptedKeys run anyway).
 */
function run_tasks(array $tasks, int $waitMilliseconds = 3000): array {}

/**
 * Fire-and-forget: returns once a task worker has queued each one. Throws TaskQueueFull when every task worker
 * refused some task ($rejectedKeys were not queued, $acceptedKeys were).
 */
function dispatch_tasks(array $tasks): void {}

/** A task that threw, as run_tasks() returns it (not thrown). Message, code, file and line are the original's. */
class TaskFailed extends \RuntimeException
{
    /** @var string the class of the exception the task threw */
    public $originalClass = "";

    /** @var string the original exception's trace, as getTraceAsString() printed it in the task worker */
    public $originalTrace = "";
}

/** The task worker running the task exited (killed, crashed) before it answered. */
class TaskWorkerDied extends TaskFailed
{
}

/** Thrown by run_tasks() when tasks did not finish within the wait. */
class TaskTimeout extends \RuntimeException
{
}

/** Some tasks were refused by every task worker; the others were queued and run anyway. */
class TaskQueueFull extends \RuntimeException
{
    /** @var array|null keys of the tasks that were queued and run */
    public $acceptedKeys = null;

    /** @var array|null keys of the tasks no task worker took */
    public $rejectedKeys = null;
}

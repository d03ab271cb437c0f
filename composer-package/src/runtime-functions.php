<?php

declare(strict_types=1);

// Under `ephpm serve` these functions come from the embedded runtime and the
// definitions below are skipped. Anywhere else they fail fast and say why.
// Their signatures are declared in native/php/ephpm.stub.php, native/tables/tables.stub.php
// and native/tasks/tasks.stub.php; test/composer-package/php-api.test.ts keeps them equal.

namespace Ephpm\Octane;

if (!function_exists('Ephpm\Octane\take_request')) {
    function take_request(): ?array
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function send_response(int $status = 200, array $headers = [], string $body = ''): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function start_response(int $status = 200, array $headers = []): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** A 103 Early Hints with these headers (a Link at least) ahead of the response; none to an HTTP/1.0 client. */
    function send_early_hints(array $headers): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** false when the client is gone (it left, or read nothing for server.send_timeout): stop producing. */
    function send_chunk(string $chunk): bool
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function end_response(): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /**
     * A shared-memory table defined in ephpm.toml [tables] (or EPHPM_TABLES). With $swoole, it is as lenient as
     * Swoole\Table (what Octane::table() gives): set() skips undeclared columns, a fraction for an int is truncated.
     */
    function table(string $name, bool $swoole = false): Table
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** 'http', 'task' or 'tick': what this worker process is for. */
    function worker_role(): string
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** @return array<string, Table> every table, by name */
    function tables(): array
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** Task workers: the next task's payload; null when the server stops. */
    function take_task(): ?string
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function finish_task(string $result = ''): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function fail_task(\Throwable $error): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** The tick worker: ['number' => int, 'time' => float, 'missed' => int]; null when the server stops. */
    function take_tick(): ?array
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /**
     * Runs the payloads on the task workers in parallel; keys are kept. Each value is the task's
     * result string or a TaskFailed. Throws TaskTimeout after $waitMilliseconds (the tasks keep
     * running), TaskQueueFull when every task worker refused some task ($acceptedKeys run anyway).
     *
     * @param array<array-key, string> $tasks
     * @return array<array-key, string|TaskFailed>
     */
    function run_tasks(array $tasks, int $waitMilliseconds = 3000): array
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /**
     * Fire-and-forget: returns once a task worker has queued each one. Throws TaskQueueFull when
     * every task worker refused some task ($rejectedKeys were not queued, $acceptedKeys were).
     *
     * @param array<array-key, string> $tasks
     */
    function dispatch_tasks(array $tasks): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }
}

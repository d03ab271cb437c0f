<?php

declare(strict_types=1);

// Under `ephpm serve` these functions come from the embedded runtime and the
// definitions below are skipped. Anywhere else they fail fast and say why.

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

    function send_chunk(string $chunk): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    function end_response(): void
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** A shared-memory table defined in ephpm.toml [tables] (or EPHPM_TABLES). */
    function table(string $name): Table
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }

    /** @return array<string, Table> every table, by name */
    function tables(): array
    {
        throw RuntimeNotAvailable::forFunction(__FUNCTION__);
    }
}

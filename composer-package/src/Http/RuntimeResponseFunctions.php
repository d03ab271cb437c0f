<?php

declare(strict_types=1);

namespace Ephpm\Octane\Http;

use function Ephpm\Octane\end_response;
use function Ephpm\Octane\send_chunk;
use function Ephpm\Octane\send_response;
use function Ephpm\Octane\start_response;

/** The embedded runtime's own functions. */
final class RuntimeResponseFunctions implements ResponseFunctions
{
    public function sendResponse(int $status, array $headers, string $body): void
    {
        send_response($status, $headers, $body);
    }

    public function startResponse(int $status, array $headers): void
    {
        start_response($status, $headers);
    }

    public function sendChunk(string $chunk): void
    {
        send_chunk($chunk);
    }

    public function endResponse(): void
    {
        end_response();
    }
}

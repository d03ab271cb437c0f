<?php

declare(strict_types=1);

namespace Ephpm\Octane\Http;

/** The runtime's response functions (Ephpm\Octane\send_response() and the streaming ones), as ResponseSender uses them. */
interface ResponseFunctions
{
    /** @param array<string, list<string>> $headers */
    public function sendResponse(int $status, array $headers, string $body): void;

    /** @param array<string, list<string>> $headers */
    public function startResponse(int $status, array $headers): void;

    public function sendChunk(string $chunk): void;

    public function endResponse(): void;
}

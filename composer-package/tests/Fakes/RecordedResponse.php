<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests\Fakes;

use Ephpm\Octane\Http\ResponseFunctions;
use LogicException;

/**
 * Stands in for the runtime's response functions in unit tests: records the calls and tells what a client would
 * get from them. (The real runtime is exercised by the vitest suites in test/octane/, over real sockets.)
 */
final class RecordedResponse implements ResponseFunctions
{
    /** @var list<array{string, list<mixed>}> */
    private array $calls = [];

    public function sendResponse(int $status, array $headers, string $body): void
    {
        $this->calls[] = ['send_response', [$status, $headers, $body]];
    }

    public function startResponse(int $status, array $headers): void
    {
        $this->calls[] = ['start_response', [$status, $headers]];
    }

    public function sendChunk(string $chunk): void
    {
        $this->calls[] = ['send_chunk', [$chunk]];
    }

    public function endResponse(): void
    {
        $this->calls[] = ['end_response', []];
    }

    /** @return list<string> the runtime functions called, in order */
    public function functions(): array
    {
        return array_map(static fn (array $call): string => $call[0], $this->calls);
    }

    /**
     * The one response sent: status, headers, the whole body, the body's chunks as sent, whether it was streamed.
     *
     * @return array{status: int, headers: array<string, list<string>>, body: string, chunks: list<string>, streamed: bool}
     */
    public function response(): array
    {
        [$first, $arguments] = $this->calls[0] ?? throw new LogicException('Nothing was sent.');
        if ($first === 'send_response') {
            if (count($this->calls) !== 1) {
                throw new LogicException('Calls after send_response(): ' . implode(', ', $this->functions()));
            }
            return ['status' => $arguments[0], 'headers' => $arguments[1], 'body' => $arguments[2], 'chunks' => [$arguments[2]], 'streamed' => false];
        }
        if ($first !== 'start_response' || end($this->calls)[0] !== 'end_response') {
            throw new LogicException('Not one whole streamed response: ' . implode(', ', $this->functions()));
        }
        $chunks = [];
        foreach (array_slice($this->calls, 1, -1) as [$function, $chunkArguments]) {
            if ($function !== 'send_chunk') {
                throw new LogicException("{$function}() inside a streamed response");
            }
            $chunks[] = $chunkArguments[0];
        }
        return ['status' => $arguments[0], 'headers' => $arguments[1], 'body' => implode('', $chunks), 'chunks' => $chunks, 'streamed' => true];
    }
}

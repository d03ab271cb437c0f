<?php

declare(strict_types=1);

namespace Ephpm\Octane\Http;

use Closure;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpFoundation\StreamedResponse;
use Traversable;

/**
 * Sends a Symfony response through the runtime: a complete body in one send_response(), and streamed and file
 * responses chunk by chunk, as they are produced, with start_response() / send_chunk() / end_response(). What a slow
 * client has not taken waits in a temp file of the runtime's, so a large download never sits in memory and PHP moves
 * on; only past the runtime's spill bounds does send_chunk() block until the client reads. With the runtime's
 * file offload on, a download goes out with no body and the runtime sends the file (FileOffload).
 */
final class ResponseSender
{
    /** Bytes a BinaryFileResponse reads and sends at a time. */
    private const FILE_CHUNK_BYTES = 1 << 20;

    /** Set once a streamed response's head is out: an exception then can only end it, not replace it. */
    private bool $streaming = false;

    /** Set when the runtime sends downloads from the file itself (file_offload). */
    private readonly ?FileOffload $offload;

    public function __construct(
        private readonly ResponseFunctions $runtime = new RuntimeResponseFunctions(),
        ?FileOffload $offload = null,
    ) {
        $this->offload = $offload ?? FileOffload::fromEnvironment();
    }

    /**
     * @param string $output what the app echoed while handling the request (Octane's output buffer): it comes
     *                       first, as it would under php-fpm
     */
    public function send(Response $response, string $output, bool $isHead): void
    {
        $status = $response->getStatusCode();
        $headers = self::headers($response);

        if ($response instanceof BinaryFileResponse) {
            $file = $isHead ? null : $this->offload?->headerFor($response);
            if ($file !== null) {
                $this->runtime->sendResponse($status, [...$headers, FileOffload::HEADER => [$file]], '');
                return;
            }
            // Its Content-Length (or Content-Range) describes the file alone: echoed output cannot go in front.
            $this->stream($status, $headers, '', $isHead ? null : static function () use ($response): void {
                $response->setChunkSize(self::FILE_CHUNK_BYTES)->sendContent();
            });
            return;
        }
        if ($response instanceof StreamedResponse) {
            $this->stream($status, $headers, $output, $isHead ? null : self::streamedContent($response));
            return;
        }

        $content = $isHead ? '' : (string) $response->getContent();
        if ($output !== '' && !$isHead) {
            $content = $output . $content;
            $headers = self::without($headers, 'Content-Length');  // the runtime counts the body it is given
        }
        $this->runtime->sendResponse($status, $headers, $content);
    }

    /**
     * A 500 with a plain-text message, in place of the response; if a streamed response's head is already out, the
     * best left is to end it there (the client has the status and part of the body).
     */
    public function sendError(string $message): void
    {
        if (!$this->endOpenStream()) {
            $this->runtime->sendResponse(500, ['Content-Type' => ['text/plain; charset=UTF-8']], $message);
        }
    }

    private function endOpenStream(): bool
    {
        if (!$this->streaming) {
            return false;
        }
        $this->streaming = false;
        $this->runtime->endResponse();
        return true;
    }

    /**
     * The head goes out with the first bytes of the body, so an exception before any output still becomes a 500.
     *
     * @param (Closure(): void)|null $produce echoes the body; null for none (HEAD)
     */
    private function stream(int $status, array $headers, string $first, ?Closure $produce): void
    {
        $send = function (string $chunk) use ($status, $headers): void {
            if (!$this->streaming) {
                $this->runtime->startResponse($status, $headers);
                $this->streaming = true;
            }
            $this->runtime->sendChunk($chunk);
        };
        if ($first !== '') {
            $send($first);
        }
        if ($produce !== null) {
            $level = ob_get_level();
            // Every write reaches the client at once (chunk size 1), and ob_flush()/flush() in the app's callback
            // find a buffer to flush, as they do under php-fpm's output_buffering.
            ob_start(static function (string $buffer) use ($send): string {
                if ($buffer !== '') {
                    $send($buffer);
                }
                return '';
            }, 1);
            try {
                $produce();
            } finally {
                while (ob_get_level() > $level) {
                    ob_end_flush();
                }
            }
        }
        if (!$this->endOpenStream()) {
            $this->runtime->sendResponse($status, $headers, '');
        }
    }

    /**
     * The response's own sendContent(), with a callback that yields (a generator, as in
     * `response()->stream(fn () => yield 'chunk')`) sending each value it yields.
     */
    private static function streamedContent(StreamedResponse $response): Closure
    {
        $callback = $response->getCallback();
        if ($callback !== null) {
            $response->setCallback(static function () use ($callback): void {
                $result = $callback();
                if ($result instanceof Traversable) {
                    foreach ($result as $chunk) {
                        echo $chunk;
                    }
                }
            });
        }
        return static function () use ($response): void {
            $response->sendContent();
        };
    }

    /**
     * Every header with every value (several Set-Cookie included), as the runtime takes them. Date is left to the
     * runtime, which writes the current one on every response.
     *
     * @return array<string, list<string>>
     */
    private static function headers(Response $response): array
    {
        $headers = [];
        foreach ($response->headers->allPreserveCase() as $name => $values) {
            $headers[$name] = array_map(static fn (mixed $value): string => (string) $value, $values);
        }
        return self::without($headers, 'Date');
    }

    /**
     * @param array<string, list<string>> $headers
     * @return array<string, list<string>>
     */
    private static function without(array $headers, string $name): array
    {
        return array_filter($headers, static fn (int|string $key): bool => strcasecmp((string) $key, $name) !== 0, ARRAY_FILTER_USE_KEY);
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Closure;
use Laravel\Octane\Commands\Command;

/**
 * Shows what the runtime logs (`ephpm serve --log-format json`: one JSON object per line) the way Octane shows its
 * other servers' output: request lines, INFO / WARN / ERROR labels, and Octane's own throwable reports.
 */
final class ServerOutput
{
    private string $pending = '';

    /** @param Closure(string): void $serving called with the URL once the server accepts requests */
    public function __construct(private readonly Command $command, private readonly Closure $serving)
    {
    }

    /** A piece of the runtime's output, stdout and stderr alike; incomplete lines wait for the rest. */
    public function write(string $data): void
    {
        $lines = explode("\n", $this->pending . $data);
        $this->pending = (string) array_pop($lines);
        array_walk($lines, $this->line(...));
    }

    public function flush(): void
    {
        $this->line($this->pending);
        $this->pending = '';
    }

    private function line(string $line): void
    {
        $line = rtrim($line);
        if ($line === '') {
            return;
        }
        $entry = json_decode($line, true);
        if (!is_array($entry) || !is_string($entry['type'] ?? null)) {
            $this->command->raw($line);  // the runtime's own error before it could start, or raw process output
            return;
        }
        $message = (string) ($entry['message'] ?? '');
        match ($entry['type']) {
            'request' => $this->command->requestInfo($entry),
            'info' => isset($entry['url']) && str_starts_with($message, 'serving ')
                ? ($this->serving)((string) $entry['url'])
                : $this->command->info($message),
            'warn' => $this->command->warn($message),
            'error' => $this->command->error($message),
            'php-log' => $this->php($message),
            'php-output' => $this->command->raw($message),
            default => $this->command->handleStream($entry),
        };
    }

    /** PHP's log: Octane's throwable reports (JSON), else PHP's own error lines. */
    private function php(string $message): void
    {
        $stream = json_decode($message, true);
        if (is_array($stream) && isset($stream['type'])) {
            $this->command->handleStream($stream);
            return;
        }
        preg_match('/^PHP (Warning|Notice|Deprecated|Strict Standards)/', $message) === 1
            ? $this->command->warn($message)
            : $this->command->error($message);
    }
}

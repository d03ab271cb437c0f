<?php

declare(strict_types=1);

namespace Ephpm\Octane\Server;

/**
 * Octane's state file (config `octane.state_file`) for the ephpm server, in the format of Octane's other servers:
 * `masterProcessId` (the ephpm supervisor) and `state` (host, port, workers, ...). It is what octane:start wrote;
 * whether that server still runs is always asked of the runtime (ServerProcessInspector), never read from here.
 */
final class ServerStateFile
{
    public function __construct(private readonly string $path)
    {
    }

    /** @return array{masterProcessId: ?int, state: array<string, mixed>} */
    public function read(): array
    {
        $state = is_readable($this->path) ? json_decode((string) file_get_contents($this->path), true) : null;
        $state = is_array($state) ? $state : [];
        return [
            'masterProcessId' => isset($state['masterProcessId']) ? (int) $state['masterProcessId'] : null,
            'state' => is_array($state['state'] ?? null) ? $state['state'] : [],
        ];
    }

    public function writeProcessId(int $masterProcessId): void
    {
        $this->write(['masterProcessId' => $masterProcessId] + $this->read());
    }

    /** @param array<string, mixed> $state */
    public function writeState(array $state): void
    {
        $this->write(['state' => $state] + $this->read());
    }

    public function delete(): void
    {
        if (is_file($this->path)) {
            unlink($this->path);
        }
    }

    public function path(): string
    {
        return $this->path;
    }

    /** @param array<string, mixed> $contents */
    private function write(array $contents): void
    {
        if (!is_dir(dirname($this->path))) {
            mkdir(dirname($this->path), 0755, true);
        }
        file_put_contents($this->path, json_encode($contents, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES));
    }
}

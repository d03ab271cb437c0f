<?php

declare(strict_types=1);

namespace Ephpm\Octane\Server;

use Laravel\Octane\Contracts\ServerProcessInspector as ServerProcessInspectorContract;
use RuntimeException;
use Symfony\Component\Process\Process;

/**
 * Octane's view of the ephpm server, asked of the runtime itself (`ephpm status|reload|stop --root <app>`, which use
 * its state file and control socket): so a server started with `ephpm serve` is seen as well as one started by
 * octane:start, and a state file left by a server that is gone is reported, never trusted.
 */
final class ServerProcessInspector implements ServerProcessInspectorContract
{
    public function __construct(
        private readonly ServerStateFile $stateFile,
        private readonly RuntimeBinary $binary,
        private readonly string $basePath,
    ) {
    }

    public function serverIsRunning(): bool
    {
        return $this->status() !== null;
    }

    /**
     * What `ephpm status --json` says: url, pid, workers (pid, state, requests, rssBytes, ...); null when no server
     * runs for this app.
     *
     * @return array<string, mixed>|null
     */
    public function status(): ?array
    {
        $process = $this->runtime(['status', '--json'], 30);
        if (!$process->isSuccessful()) {
            return null;
        }
        $status = json_decode($process->getOutput(), true);
        return is_array($status) ? $status : null;
    }

    /** Replaces the worker processes one at a time (no request fails); throws with the runtime's error. */
    public function reloadServer(): void
    {
        $process = $this->runtime(['reload'], 600);
        if (!$process->isSuccessful()) {
            throw new RuntimeException(trim($process->getErrorOutput()) ?: 'ephpm reload failed.');
        }
    }

    /** Stops the server gracefully (requests in flight finish); true once it has exited. */
    public function stopServer(): bool
    {
        return $this->runtime(['stop'], 120)->isSuccessful();
    }

    /**
     * The pid Octane's state file names when no server runs any more (a server that crashed or was killed), else
     * null.
     */
    public function stalePid(): ?int
    {
        $pid = $this->stateFile->read()['masterProcessId'];
        return $pid !== null && !$this->serverIsRunning() ? $pid : null;
    }

    /** @param list<string> $arguments */
    private function runtime(array $arguments, int $timeoutSeconds): Process
    {
        $process = new Process([...$this->binary->command(), ...$arguments, '--root', $this->basePath], $this->basePath, ['FORCE_COLOR' => '0'], null, $timeoutSeconds);
        $process->run();
        return $process;
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Server\OctaneSettings;
use Ephpm\Octane\Server\RuntimeBinary;
use Ephpm\Octane\Server\ServerProcessInspector;
use Ephpm\Octane\Server\ServerStateFile;
use Laravel\Octane\Commands\Command;
use Laravel\Octane\Commands\Concerns\InteractsWithEnvironmentVariables;
use Laravel\Octane\Commands\Concerns\InteractsWithServers;
use RuntimeException;
use Symfony\Component\Console\Attribute\AsCommand;
use Symfony\Component\Console\Command\SignalableCommandInterface;
use Symfony\Component\Process\Process;

/**
 * `php artisan octane:start --server=ephpm` lands here: runs `ephpm serve` for this app with Octane's options, shows
 * its log in Octane's style, and stops it gracefully on Ctrl-C (SIGINT / SIGTERM: requests in flight finish, exit 0).
 */
#[AsCommand(name: 'octane:ephpm')]
final class StartEphpmCommand extends Command implements SignalableCommandInterface
{
    use InteractsWithEnvironmentVariables;
    use InteractsWithServers;

    /** Octane's max_execution_time 0 ("no limit") as the runtime's request timeout: 24 days. */
    private const NO_TIMEOUT_SECONDS = 2_073_600;

    /** @var string */
    public $signature = 'octane:ephpm
                    {--host= : The IP address the server should bind to}
                    {--port= : The port the server should be available on}
                    {--workers=auto : The number of workers that should be available to handle requests}
                    {--task-workers=auto : The number of task workers that should be available to handle tasks}
                    {--max-requests=500 : The number of requests to process before a worker process is replaced}
                    {--watch : Not supported by ephpm: run `npx ephpm dev` to restart the workers on changes}
                    {--poll : Not supported by ephpm (see --watch)}';

    /** @var string */
    public $description = 'Start the Octane ephpm server';

    /** @var bool */
    protected $hidden = true;

    private ?int $serverPid = null;

    private bool $stopRequested = false;

    public function handle(ServerProcessInspector $inspector, ServerStateFile $stateFile, RuntimeBinary $binary): int
    {
        if ($this->option('watch') || $this->option('poll')) {
            $this->error('ephpm does not support --watch. For a server that restarts its workers when your code changes, run: npx ephpm dev');
            return 1;
        }
        try {
            $counts = $this->processCounts();
            $command = $binary->command();
        } catch (RuntimeException $e) {
            $this->error($e->getMessage());
            return 1;
        }
        if ($inspector->serverIsRunning()) {
            $this->error('ephpm server is already running. Stop it first: php artisan octane:stop --server=ephpm');
            return 1;
        }
        $this->ensurePortIsAvailable();

        $stateFile->writeState($this->serverState($counts));
        $this->forgetEnvironmentVariables();

        $server = new Process([...$command, 'serve', ...$this->serveArguments($counts)], base_path(), [
            'APP_ENV' => app()->environment(),
            'APP_BASE_PATH' => base_path(),
            'APP_PUBLIC_PATH' => public_path(),
            'LARAVEL_OCTANE' => '1',
            // octane.tables, octane.cache and the tick setting, read from this booted app: the runtime takes them
            // as it would from `php artisan ephpm:octane-settings` (ephpm.toml and flags still win).
            'EPHPM_OCTANE_SETTINGS' => json_encode(OctaneSettings::of($this->laravel), JSON_THROW_ON_ERROR),
            // This command's pid: if it is killed (SIGKILL, no Ctrl-C to pass on), the server stops gracefully.
            'EPHPM_STOP_WITH_PID' => (string) getmypid(),
        ], null, null);
        $server->start();
        $this->serverPid = (int) $server->getPid();
        $stateFile->writeProcessId($this->serverPid);

        $output = new ServerOutput($this, $this->writeRunningMessage(...));
        try {
            $server->wait(static fn (string $type, string $data) => $output->write($data));
        } finally {
            $output->flush();
            $stateFile->delete();
        }
        return $this->stopRequested ? 0 : (int) $server->getExitCode();
    }

    /** Ctrl-C / SIGTERM: the runtime finishes the requests in flight and exits; this command then exits 0. */
    public function handleSignal(int $signal, int|false $previousExitCode = 0): int|false
    {
        $this->stopRequested = true;
        // Only a signal here: the Process object is busy in wait(), which sees the runtime exit and returns.
        if ($this->serverPid !== null && posix_kill($this->serverPid, SIGTERM)) {
            return false;
        }
        return 0;
    }

    /**
     * --workers, --task-workers and --max-requests, checked: `auto` (workers: ephpm.toml, else one per CPU) or a
     * whole number, at least 1 worker.
     *
     * @return array{workers: int|'auto', taskWorkers: int|'auto', maxRequests: int}
     */
    private function processCounts(): array
    {
        $count = function (string $option, int $min, bool $auto): int|string {
            $value = trim((string) $this->option($option));
            if ($auto && $value === 'auto') {
                return 'auto';
            }
            if (preg_match('/^\d+$/', $value) !== 1 || (int) $value < $min) {
                $expected = ($auto ? '`auto` or ' : '') . "a whole number of at least {$min}";
                throw new RuntimeException("--{$option} must be {$expected}; got `{$value}`. Pass it to octane:start, or set it in config/octane.php.");
            }
            return (int) $value;
        };
        return [
            'workers' => $count('workers', 1, true),
            'taskWorkers' => $count('task-workers', 0, true),
            'maxRequests' => (int) $count('max-requests', 0, false),
        ];
    }

    /**
     * @param array{workers: int|'auto', taskWorkers: int|'auto', maxRequests: int} $counts
     * @return list<string>
     */
    private function serveArguments(array $counts): array
    {
        $arguments = [
            '--root', base_path(),
            '--worker', dirname(__DIR__, 2) . '/bin/ephpm-worker.php',
            '--host', (string) $this->getHost(),
            '--port', (string) $this->getPort(),
            '--max-requests', (string) $counts['maxRequests'],
            '--log-format', 'json',
            '--request-timeout', (string) $this->requestTimeout(),
        ];
        // `auto` leaves it to ephpm.toml, else to the runtime's default for Laravel: one per CPU, as Swoole.
        if ($counts['workers'] !== 'auto') {
            array_push($arguments, '--workers', (string) $counts['workers']);
        }
        if ($counts['taskWorkers'] !== 'auto') {
            array_push($arguments, '--task-workers', (string) $counts['taskWorkers']);
        }
        // Request lines cost a write per request; Octane shows them in the local environment only.
        $arguments[] = app()->isLocal() ? '--access-log' : '--no-access-log';
        return $arguments;
    }

    private function requestTimeout(): int
    {
        $seconds = (int) config('octane.max_execution_time', 30);
        return $seconds > 0 ? $seconds : self::NO_TIMEOUT_SECONDS;
    }

    /**
     * @param array{workers: int|'auto', taskWorkers: int|'auto', maxRequests: int} $counts
     * @return array<string, mixed>
     */
    private function serverState(array $counts): array
    {
        return [
            'appName' => config('app.name', 'Laravel'),
            'host' => $this->getHost(),
            'port' => $this->getPort(),
            ...$counts,
            'octaneConfig' => config('octane'),
        ];
    }

    /** Octane's banner, with the address the runtime actually listens on. */
    private function writeRunningMessage(string $url): void
    {
        $this->info('Server running…');
        $this->output->writeln([
            '',
            '  Local: <fg=white;options=bold>' . $url . ' </>',
            '',
            '  <fg=yellow>Press Ctrl+C to stop the server</>',
            '',
        ]);
    }
}

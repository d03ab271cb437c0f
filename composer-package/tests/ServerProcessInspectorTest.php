<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests;

use Ephpm\Octane\Server\RuntimeBinary;
use Ephpm\Octane\Server\ServerProcessInspector;
use Ephpm\Octane\Server\ServerStateFile;
use PHPUnit\Framework\TestCase;
use RuntimeException;

/**
 * The inspector asks the runtime (`ephpm status|reload|stop --root <app>`) and never the state file alone. Here the
 * runtime is a stand-in script answering as ephpm does; test/octane/ runs the real one.
 */
final class ServerProcessInspectorTest extends TestCase
{
    private string $app;

    protected function setUp(): void
    {
        $this->app = sys_get_temp_dir() . '/ephpm-inspector-' . bin2hex(random_bytes(4));
        mkdir($this->app . '/node_modules/.bin', 0777, true);
    }

    public function test_a_server_is_running_when_the_runtime_reports_its_status(): void
    {
        $this->runtime('status) echo \'{"url":"http://127.0.0.1:8000","pid":42,"workers":[{"pid":43}]}\' ;;');

        $inspector = $this->inspector();

        $this->assertTrue($inspector->serverIsRunning());
        $this->assertSame(['url' => 'http://127.0.0.1:8000', 'pid' => 42, 'workers' => [['pid' => 43]]], $inspector->status());
        $this->assertSame(["status --json --root {$this->app}"], array_unique(explode("\n", trim($this->calls()))));
    }

    public function test_no_server_runs_when_the_runtime_says_none_does(): void
    {
        $this->runtime('status) echo "error No ephpm server is running here" >&2; exit 1 ;;');

        $this->assertFalse($this->inspector()->serverIsRunning());
        $this->assertNull($this->inspector()->status());
    }

    public function test_a_state_file_naming_a_server_that_is_gone_is_stale(): void
    {
        $this->runtime('status) exit 1 ;;');
        $stateFile = new ServerStateFile($this->app . '/octane-server-state.json');
        $stateFile->writeProcessId(4242);

        $this->assertSame(4242, $this->inspector($stateFile)->stalePid());
    }

    public function test_a_state_file_of_a_running_server_is_not_stale(): void
    {
        $this->runtime('status) echo "{}" ;;');
        $stateFile = new ServerStateFile($this->app . '/octane-server-state.json');
        $stateFile->writeProcessId(4242);

        $this->assertNull($this->inspector($stateFile)->stalePid());
    }

    public function test_a_failed_reload_carries_the_runtimes_message(): void
    {
        $this->runtime('reload) echo "error the new code failed to boot: PHP Parse error" >&2; exit 1 ;;');

        $this->expectException(RuntimeException::class);
        $this->expectExceptionMessage('error the new code failed to boot: PHP Parse error');

        $this->inspector()->reloadServer();
    }

    public function test_stop_asks_the_runtime_to_stop_the_apps_server(): void
    {
        $this->runtime('stop) exit 0 ;;');

        $this->assertTrue($this->inspector()->stopServer());
        $this->assertSame("stop --root {$this->app}\n", $this->calls());
    }

    private function inspector(?ServerStateFile $stateFile = null): ServerProcessInspector
    {
        return new ServerProcessInspector(
            $stateFile ?? new ServerStateFile($this->app . '/octane-server-state.json'),
            new RuntimeBinary($this->app),
            $this->app,
        );
    }

    /** node_modules/.bin/ephpm answering one command as given, logging its arguments to calls.log. */
    private function runtime(string $case): void
    {
        $script = $this->app . '/node_modules/.bin/ephpm';
        file_put_contents($script, "#!/bin/sh\necho \"\$@\" >> {$this->app}/calls.log\ncase \"\$1\" in\n  {$case}\n  *) exit 3 ;;\nesac\n");
        chmod($script, 0755);
    }

    private function calls(): string
    {
        return (string) file_get_contents($this->app . '/calls.log');
    }
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests;

use Ephpm\Octane\Server\RuntimeBinary;
use PHPUnit\Framework\TestCase;
use RuntimeException;

/** Where octane:start finds ephpm: the app's node_modules/.bin, then PATH, then EPHPM_BINARY. */
final class RuntimeBinaryTest extends TestCase
{
    private string $app;

    private string $bin;

    private string|false $path;

    protected function setUp(): void
    {
        $this->app = sys_get_temp_dir() . '/ephpm-binary-' . bin2hex(random_bytes(4));
        $this->bin = $this->app . '/bin';
        mkdir($this->bin, 0777, true);
        $this->path = getenv('PATH');
        putenv('PATH=/nonexistent');
    }

    protected function tearDown(): void
    {
        putenv('PATH=' . $this->path);
    }

    public function test_the_apps_node_modules_come_first(): void
    {
        $local = $this->executable($this->app . '/node_modules/.bin/ephpm');
        $this->executable($this->bin . '/ephpm');
        putenv("PATH={$this->bin}");

        $this->assertSame([$local], (new RuntimeBinary($this->app, '/elsewhere/ephpm'))->command());
    }

    public function test_path_comes_next(): void
    {
        $onPath = $this->executable($this->bin . '/ephpm');
        putenv("PATH={$this->bin}");

        $this->assertSame([$onPath], (new RuntimeBinary($this->app, '/elsewhere/ephpm'))->command());
    }

    public function test_ephpm_binary_is_the_last_resort(): void
    {
        $configured = $this->executable($this->app . '/tools/ephpm');

        $this->assertSame([$configured], (new RuntimeBinary($this->app, $configured))->command());
    }

    public function test_an_ephpm_binary_that_is_not_an_executable_is_named(): void
    {
        $this->expectException(RuntimeException::class);
        $this->expectExceptionMessage('EPHPM_BINARY names /nowhere/ephpm, which is not an executable file.');

        (new RuntimeBinary($this->app, '/nowhere/ephpm'))->command();
    }

    public function test_without_any_the_message_says_how_to_install_it(): void
    {
        $this->expectException(RuntimeException::class);
        $this->expectExceptionMessage("there is no node_modules/.bin/ephpm in {$this->app}, no ephpm on PATH, and EPHPM_BINARY is not set. Install it in the app with: npm install --save-dev ephpm");

        (new RuntimeBinary($this->app))->command();
    }

    private function executable(string $path): string
    {
        @mkdir(dirname($path), 0777, true);
        file_put_contents($path, "#!/bin/sh\n");
        chmod($path, 0755);
        return $path;
    }
}

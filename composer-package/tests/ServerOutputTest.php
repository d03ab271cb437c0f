<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests;

use Ephpm\Octane\Commands\ServerOutput;
use Illuminate\Console\OutputStyle;
use Laravel\Octane\Commands\Command;
use PHPUnit\Framework\TestCase;
use Symfony\Component\Console\Input\ArrayInput;
use Symfony\Component\Console\Output\BufferedOutput;

/** The runtime's JSON log lines shown as Octane shows its other servers' output. */
final class ServerOutputTest extends TestCase
{
    private BufferedOutput $buffer;

    /** @var list<string> */
    private array $serving = [];

    private ServerOutput $output;

    protected function setUp(): void
    {
        $this->buffer = new BufferedOutput();
        $command = new Command();
        $command->setOutput(new OutputStyle(new ArrayInput([]), $this->buffer));
        $this->output = new ServerOutput($command, function (string $url): void {
            $this->serving[] = $url;
        });
    }

    public function test_request_lines_look_like_octanes(): void
    {
        $this->output->write('{"type":"request","method":"GET","url":"/orders?page=2","statusCode":404,"duration":12.5}' . "\n");

        $this->assertMatchesRegularExpression('/^  404\s+GET \/orders \.+ 12\.50 ms$/m', $this->buffer->fetch());
    }

    public function test_the_serving_line_reports_the_address_instead_of_printing(): void
    {
        $this->output->write('{"type":"info","message":"serving http://127.0.0.1:8123 with 2 PHP worker processes (supervisor pid 7)","url":"http://127.0.0.1:8123","workers":2}' . "\n");

        $this->assertSame(['http://127.0.0.1:8123'], $this->serving);
        $this->assertSame('', $this->buffer->fetch());
    }

    public function test_the_runtimes_messages_get_octanes_labels(): void
    {
        $this->output->write(implode("\n", [
            '{"type":"info","message":"reloaded"}',
            '{"type":"warn","message":"worker 12 exited unexpectedly"}',
            '{"type":"error","message":"a new worker failed to start"}',
            '{"type":"php-log","message":"PHP Warning:  Undefined variable $x in /app/routes/web.php on line 3"}',
            '{"type":"php-log","message":"PHP Fatal error:  Allowed memory size exhausted"}',
        ]) . "\n");

        $shown = $this->buffer->fetch();
        $this->assertMatchesRegularExpression('/INFO\s+reloaded/', $shown);
        $this->assertMatchesRegularExpression('/WARN\s+worker 12 exited unexpectedly/', $shown);
        $this->assertMatchesRegularExpression('/ERROR\s+a new worker failed to start/', $shown);
        $this->assertMatchesRegularExpression('/WARN\s+PHP Warning:  Undefined variable/', $shown);
        $this->assertMatchesRegularExpression('/ERROR\s+PHP Fatal error:  Allowed memory size exhausted/', $shown);
    }

    public function test_octanes_throwable_reports_are_rendered_as_octane_renders_them(): void
    {
        $report = json_encode(['type' => 'throwable', 'class' => 'RuntimeException', 'code' => 0, 'file' => __FILE__, 'line' => __LINE__, 'message' => 'escaped the app', 'trace' => []]);
        $this->output->write(json_encode(['type' => 'php-log', 'message' => $report]) . "\n");

        $shown = $this->buffer->fetch();
        $this->assertStringContainsString('RuntimeException', $shown);
        $this->assertStringContainsString('escaped the app', $shown);
    }

    public function test_a_line_split_across_reads_is_shown_once_whole(): void
    {
        $this->output->write('{"type":"info","mess');
        $this->assertSame('', $this->buffer->fetch());
        $this->output->write('age":"stopping: finishing requests in flight"}' . "\n" . '{"type":"info","message":"stopped"}');
        $this->output->flush();

        $shown = $this->buffer->fetch();
        $this->assertSame(1, substr_count($shown, 'stopping: finishing requests in flight'));
        $this->assertStringContainsString('stopped', $shown);
    }
}

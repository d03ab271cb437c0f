<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests;

use Ephpm\Octane\EphpmClient;
use Ephpm\Octane\Http\FileOffload;
use Ephpm\Octane\Http\ResponseSender;
use Ephpm\Octane\Tests\Fakes\RecordedResponse;
use Illuminate\Config\Repository;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Http\Response;
use Laravel\Octane\OctaneResponse;
use Laravel\Octane\RequestContext;
use PHPUnit\Framework\TestCase;
use RuntimeException;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\Cookie;
use Symfony\Component\HttpFoundation\StreamedResponse;
use Throwable;

/** EphpmClient::respond() and error(): what reaches the runtime's response functions, hence the client. */
final class ClientResponseTest extends TestCase
{
    private EphpmClient $client;

    private RecordedResponse $sent;

    protected function setUp(): void
    {
        $this->sent = new RecordedResponse();
        $this->client = new EphpmClient(new ResponseSender($this->sent));
    }

    public function test_a_response_is_sent_once_with_its_status_every_header_and_each_cookie(): void
    {
        $response = new Response('<h1>Created</h1>', 201, ['X-Request-Id' => 'r-1', 'Vary' => ['Accept', 'Cookie']]);
        $response->headers->setCookie(Cookie::create('a', '1'));
        $response->headers->setCookie(Cookie::create('b', '2', httpOnly: false));

        $this->respond($response);

        $sent = $this->sent->response();
        $this->assertFalse($sent['streamed']);
        $this->assertSame(201, $sent['status']);
        $this->assertSame('<h1>Created</h1>', $sent['body']);
        $this->assertSame(['r-1'], $sent['headers']['X-Request-Id']);
        $this->assertSame(['Accept', 'Cookie'], $sent['headers']['Vary']);
        $this->assertSame(['a=1; path=/; httponly; samesite=lax', 'b=2; path=/; samesite=lax'], $sent['headers']['Set-Cookie']);
    }

    public function test_the_date_header_is_left_to_the_runtime(): void
    {
        $this->respond(new Response('ok'));

        $this->assertArrayNotHasKey('Date', $this->sent->response()['headers']);
    }

    public function test_what_the_app_echoed_comes_first_and_a_declared_length_is_dropped(): void
    {
        $this->respond(new Response('body', 200, ['Content-Length' => '4']), 'echoed ');

        $sent = $this->sent->response();
        $this->assertSame('echoed body', $sent['body']);
        $this->assertArrayNotHasKey('Content-Length', $sent['headers']);
    }

    public function test_a_streamed_response_sends_each_write_as_a_chunk_of_its_own(): void
    {
        $this->respond(new StreamedResponse(function (): void {
            echo 'first ';
            ob_flush();
            flush();
            echo 'second';
        }, 200, ['Content-Type' => 'text/plain']), 'echoed before ');

        $sent = $this->sent->response();
        $this->assertTrue($sent['streamed']);
        $this->assertSame(['echoed before ', 'first ', 'second'], $sent['chunks']);
        $this->assertSame(['text/plain'], $sent['headers']['Content-Type']);
    }

    public function test_a_streamed_callback_that_yields_sends_each_value(): void
    {
        $this->respond(new StreamedResponse(function () {
            yield 'alpha ';
            yield 'beta';
        }));

        $this->assertSame(['alpha ', 'beta'], $this->sent->response()['chunks']);
    }

    public function test_an_iterable_of_chunks_is_streamed(): void
    {
        $this->respond(new StreamedResponse((function () {
            yield 'one ';
            yield 'two';
        })()));

        $this->assertSame(['one ', 'two'], $this->sent->response()['chunks']);
    }

    public function test_a_streamed_response_without_output_is_sent_complete(): void
    {
        $this->respond(new StreamedResponse(function (): void {
        }, 202));

        $this->assertSame(['send_response'], $this->sent->functions());
        $this->assertSame(202, $this->sent->response()['status']);
    }

    public function test_a_file_download_is_sent_in_chunks_and_honours_a_range(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'ephpm-download-');
        file_put_contents($file, str_repeat('abcdefghij', 300_000));
        $request = Request::create('/download', 'GET', server: ['HTTP_RANGE' => 'bytes=1000000-2999999']);

        $this->respond((new BinaryFileResponse($file))->prepare($request));

        $sent = $this->sent->response();
        $this->assertSame(206, $sent['status']);
        $this->assertSame(['bytes 1000000-2999999/3000000'], $sent['headers']['Content-Range']);
        $this->assertSame(substr(str_repeat('abcdefghij', 300_000), 1_000_000, 2_000_000), $sent['body']);
        $this->assertSame([1 << 20, 2_000_000 - (1 << 20)], array_map('strlen', $sent['chunks']));
        unlink($file);
    }

    public function test_with_file_offload_a_download_goes_out_with_no_body_naming_the_bytes_for_the_runtime_to_send(): void
    {
        $client = new EphpmClient(new ResponseSender($this->sent, new FileOffload('token-1')));
        $file = tempnam(sys_get_temp_dir(), 'ephpm download ');
        file_put_contents($file, str_repeat('abcdefghij', 300_000));
        $request = Request::create('/download', 'GET', server: ['HTTP_RANGE' => 'bytes=1000000-2999999']);
        $download = (new BinaryFileResponse($file))->deleteFileAfterSend()->prepare($request);

        $client->respond(new RequestContext(['ephpm' => ['method' => 'GET']]), new OctaneResponse($download, ''));

        $sent = $this->sent->response();
        $this->assertFalse($sent['streamed']);
        $this->assertSame([206, ''], [$sent['status'], $sent['body']]);
        $this->assertSame(['bytes 1000000-2999999/3000000'], $sent['headers']['Content-Range']);
        $this->assertSame(['token-1 1000000 2000000 1 ' . rawurlencode((string) realpath($file))], $sent['headers']['X-Ephpm-File']);
        $this->assertFileExists($file, 'the runtime deletes it once it has it open');
        unlink($file);
    }

    public function test_with_file_offload_php_still_sends_a_head_and_a_not_modified_itself(): void
    {
        $client = new EphpmClient(new ResponseSender($this->sent, new FileOffload('token-1')));
        $file = tempnam(sys_get_temp_dir(), 'ephpm-download-');
        file_put_contents($file, 'abc');
        $head = (new BinaryFileResponse($file))->prepare(Request::create('/download', 'HEAD'));
        $client->respond(new RequestContext(['ephpm' => ['method' => 'HEAD']]), new OctaneResponse($head, ''));
        $request = Request::create('/download', 'GET');
        $cached = new BinaryFileResponse($file, autoEtag: true);
        $request->headers->set('If-None-Match', (string) $cached->getEtag());
        $cached->isNotModified($request);
        $client->respond(new RequestContext(['ephpm' => ['method' => 'GET']]), new OctaneResponse($cached->prepare($request), ''));

        $this->assertSame(['send_response', 'send_response'], $this->sent->functions());
        $this->assertSame(304, $cached->getStatusCode());
        $this->assertStringNotContainsString('X-Ephpm-File', print_r($this->sent, true));
        unlink($file);
    }

    public function test_head_gets_the_head_only(): void
    {
        $this->respond(new Response('a body'), '', 'HEAD');
        $this->assertSame('', $this->sent->response()['body']);

        $this->setUp();
        $this->respond(new StreamedResponse(function (): void {
            echo 'never';
        }), '', 'HEAD');
        $this->assertSame(['send_response'], $this->sent->functions());
        $this->assertSame('', $this->sent->response()['body']);
    }

    public function test_an_exception_before_any_streamed_output_becomes_octanes_500_showing_the_exception_only_with_app_debug_on(): void
    {
        foreach ([true, false] as $debug) {
            $this->setUp();
            $failure = $this->respondFailing(new StreamedResponse(function (): void {
                throw new RuntimeException('nothing to stream');
            }));
            $this->client->error($failure, $this->app($debug), new Request(), new RequestContext());

            $sent = $this->sent->response();
            $this->assertSame(500, $sent['status']);
            $this->assertSame(['text/plain; charset=UTF-8'], (array) $sent['headers']['Content-Type']);
            $debug
                ? $this->assertStringStartsWith('RuntimeException: nothing to stream in ' . __FILE__, $sent['body'])
                : $this->assertSame('Internal server error.', $sent['body']);
        }
    }

    public function test_an_exception_after_the_first_chunk_ends_the_streamed_response(): void
    {
        $failure = $this->respondFailing(new StreamedResponse(function (): void {
            echo 'partial';
            throw new RuntimeException('broken off');
        }));
        $this->client->error($failure, $this->app(true), new Request(), new RequestContext());

        $this->assertSame(['start_response', 'send_chunk', 'end_response'], $this->sent->functions());
        $this->assertSame('partial', $this->sent->response()['body']);
    }

    public function test_stop_asks_the_worker_loop_to_end_after_this_request(): void
    {
        $this->assertFalse($this->client->stopRequested());
        $this->client->stop();
        $this->assertTrue($this->client->stopRequested());
    }

    private function respond(\Symfony\Component\HttpFoundation\Response $response, string $output = '', string $method = 'GET'): void
    {
        $this->client->respond(new RequestContext(['ephpm' => ['method' => $method]]), new OctaneResponse($response, $output));
    }

    private function respondFailing(\Symfony\Component\HttpFoundation\Response $response): Throwable
    {
        try {
            $this->respond($response);
        } catch (Throwable $e) {
            return $e;
        }
        $this->fail('The response was expected to throw.');
    }

    private function app(bool $debug): Application
    {
        $app = new Application(sys_get_temp_dir());
        $app->instance('config', new Repository(['app' => ['debug' => $debug]]));
        return $app;
    }
}

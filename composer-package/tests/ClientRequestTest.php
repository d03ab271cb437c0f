<?php

declare(strict_types=1);

namespace Ephpm\Octane\Tests;

use Ephpm\Octane\EphpmClient;
use Illuminate\Http\Request;
use Illuminate\Http\UploadedFile;
use Laravel\Octane\RequestContext;
use PHPUnit\Framework\TestCase;
use RuntimeException;

/** EphpmClient::marshalRequest(): the runtime's request array in, the Illuminate request Laravel would build under php-fpm out. */
final class ClientRequestTest extends TestCase
{
    public function test_the_request_carries_method_uri_query_headers_cookies_and_the_client_address(): void
    {
        $request = $this->marshal([
            'server' => $this->server('GET', '/orders/7?page=2&tags[]=a', [
                'HTTP_HOST' => 'shop.test', 'HTTP_X_TRACE' => 'abc', 'HTTP_COOKIE' => 'theme=dark', 'REMOTE_ADDR' => '10.1.2.3',
            ]),
            'query' => ['page' => '2', 'tags' => ['a']],
            'cookies' => ['theme' => 'dark', 'prefs' => ['lang' => 'fr']],
        ]);

        $this->assertSame('GET', $request->method());
        $this->assertSame('http://shop.test/orders/7?page=2&tags%5B0%5D=a', $request->fullUrl());
        $this->assertSame(['page' => '2', 'tags' => ['a']], $request->query());
        $this->assertSame('abc', $request->header('X-Trace'));
        $this->assertSame(['theme' => 'dark', 'prefs' => ['lang' => 'fr']], $request->cookies->all());
        $this->assertSame('10.1.2.3', $request->ip());
    }

    public function test_an_https_request_is_secure(): void
    {
        $request = $this->marshal(['server' => $this->server('GET', '/cart', ['HTTPS' => 'on', 'SERVER_PORT' => '443'])]);

        $this->assertTrue($request->secure());
        $this->assertSame('https://shop.test/cart', $request->fullUrl());
    }

    public function test_a_json_body_becomes_the_input(): void
    {
        $request = $this->marshal([
            'server' => $this->server('POST', '/api/users', ['CONTENT_TYPE' => 'application/json']),
            'body' => '{"user":{"name":"Ann"}}',
        ]);

        $this->assertSame('Ann', $request->input('user.name'));
        $this->assertSame('{"user":{"name":"Ann"}}', $request->getContent());
    }

    public function test_form_fields_the_runtime_parsed_become_the_input(): void
    {
        $request = $this->marshal([
            'server' => $this->server('POST', '/login', ['CONTENT_TYPE' => 'application/x-www-form-urlencoded']),
            'post' => ['email' => 'ann@example.com', 'remember' => 'on'],
            'body' => 'email=ann%40example.com&remember=on',
        ]);

        $this->assertSame(['email' => 'ann@example.com', 'remember' => 'on'], $request->request->all());
    }

    public function test_a_form_body_of_a_put_request_becomes_the_input_as_symfony_parses_it_under_php_fpm(): void
    {
        $request = $this->marshal([
            'server' => $this->server('PUT', '/profile', ['CONTENT_TYPE' => 'application/x-www-form-urlencoded']),
            'body' => 'name=Bo&roles[]=admin',
        ]);

        $this->assertSame('PUT', $request->method());
        $this->assertSame(['name' => 'Bo', 'roles' => ['admin']], $request->request->all());
    }

    public function test_a_body_the_runtime_spooled_to_a_file_is_read_only_when_the_app_asks_for_it(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'ephpm-body-');
        file_put_contents($file, str_repeat('0123456789', 200_000));

        $request = $this->marshal(['server' => $this->server('POST', '/import', ['CONTENT_TYPE' => 'text/csv']), 'body' => null, 'body_file' => $file]);

        $handle = $request->getContent(true);
        $this->assertIsResource($handle);
        $this->assertSame(0, ftell($handle));
        $this->assertSame(2_000_000, strlen($request->getContent()));
        unlink($file);
    }

    public function test_uploaded_files_in_the_files_shape_become_uploaded_file_objects(): void
    {
        $file = tempnam(sys_get_temp_dir(), 'ephpm-upload-');
        file_put_contents($file, 'photo bytes');

        $request = $this->marshal([
            'server' => $this->server('POST', '/photos', ['CONTENT_TYPE' => 'multipart/form-data; boundary=x']),
            'post' => ['album' => 'holidays'],
            'files' => [
                'photo' => ['name' => 'beach.jpg', 'full_path' => 'beach.jpg', 'type' => 'image/jpeg', 'tmp_name' => $file, 'error' => UPLOAD_ERR_OK, 'size' => 11],
                'missing' => ['name' => '', 'full_path' => '', 'type' => '', 'tmp_name' => '', 'error' => UPLOAD_ERR_NO_FILE, 'size' => 0],
            ],
        ]);

        $photo = $request->file('photo');
        $this->assertInstanceOf(UploadedFile::class, $photo);
        $this->assertSame('beach.jpg', $photo->getClientOriginalName());
        $this->assertSame('photo bytes', $photo->getContent());
        $this->assertNull($request->file('missing'));
        $this->assertSame('holidays', $request->input('album'));
        unlink($file);
    }

    public function test_a_runtime_without_server_variables_is_named_too_old(): void
    {
        $this->expectException(RuntimeException::class);
        $this->expectExceptionMessage('it is older than ephpm/octane-driver. Update it: npm install --save-dev ephpm@latest');

        $this->marshal(['method' => 'GET', 'uri' => '/']);
    }

    /** @param array<string, mixed> $request */
    private function marshal(array $request): Request
    {
        [$illuminate, $context] = (new EphpmClient())->marshalRequest(new RequestContext(['ephpm' => $request + ['body' => '']]));
        $this->assertSame($request + ['body' => ''], $context['ephpm']);
        return $illuminate;
    }

    /**
     * $_SERVER as php-fpm gives it to public/index.php.
     *
     * @param array<string, string> $extra
     * @return array<string, mixed>
     */
    private function server(string $method, string $uri, array $extra = []): array
    {
        return $extra + [
            'REQUEST_METHOD' => $method,
            'REQUEST_URI' => $uri,
            'QUERY_STRING' => (string) parse_url($uri, PHP_URL_QUERY),
            'SERVER_PROTOCOL' => 'HTTP/1.1',
            'SERVER_NAME' => 'shop.test',
            'SERVER_PORT' => '80',
            'HTTP_HOST' => 'shop.test',
            'REMOTE_ADDR' => '127.0.0.1',
            'SCRIPT_NAME' => '/index.php',
            'SCRIPT_FILENAME' => '/app/public/index.php',
            'PHP_SELF' => '/index.php',
            'DOCUMENT_ROOT' => '/app/public',
            'REQUEST_TIME' => 1_700_000_000,
            'REQUEST_TIME_FLOAT' => 1_700_000_000.5,
        ];
    }
}

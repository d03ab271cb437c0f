<?php

declare(strict_types=1);

namespace Ephpm\Octane\Http;

use Illuminate\Http\Request;
use RuntimeException;
use Symfony\Component\HttpFoundation\Request as SymfonyRequest;

/**
 * Builds the Illuminate request from the array Ephpm\Octane\take_request() returns, the way Laravel's own
 * Request::capture() builds it from PHP's globals under php-fpm: `server` is $_SERVER, `query` $_GET, `post` $_POST,
 * `cookies` $_COOKIE and `files` $_FILES (temp files the runtime registered as uploads and removes after the
 * response).
 */
final class RequestFactory
{
    /** Methods whose form body PHP does not parse into $_POST; Symfony's createFromGlobals() parses it. */
    private const FORM_BODY_METHODS = ['PUT', 'DELETE', 'PATCH', 'QUERY'];

    /** @param array<string, mixed> $request */
    public static function fromRuntime(array $request): Request
    {
        if (!isset($request['server']) || !is_array($request['server'])) {
            throw new RuntimeException(
                'The ephpm runtime that runs this worker does not hand over $_SERVER (the request has no "server" key): '
                . 'it is older than ephpm/octane-driver. Update it: npm install --save-dev ephpm@latest',
            );
        }
        $server = $request['server'];
        $post = $request['post'] ?? [];
        $content = self::content($request);

        if (in_array(strtoupper((string) ($server['REQUEST_METHOD'] ?? 'GET')), self::FORM_BODY_METHODS, true) && self::isFormOrUntyped($server)) {
            $body = is_resource($content) ? (string) stream_get_contents($content, -1, 0) : $content;
            parse_str($body, $post);
        }

        $query = $request['query'] ?? [];
        $cookies = $request['cookies'] ?? [];
        $files = $request['files'] ?? [];
        if ($files !== []) {
            // Laravel's own path (Request::capture() under php-fpm): it drops the empty entries of file inputs left blank.
            return Request::createFromBase(new SymfonyRequest($query, $post, [], $cookies, $files, $server, $content));
        }

        // What createFromBase() gives for a request without uploads, built once instead of three times.
        $illuminate = new Request($query, $post, [], $cookies, [], $server, $content);
        if ($illuminate->isJson()) {
            $illuminate->request = $illuminate->json();
        }
        return $illuminate;
    }

    /**
     * The raw body: a string, or for a body the runtime spooled to a file, an open handle on it, so that nothing is
     * read until the app asks (getContent() reads it then, getContent(true) hands over the handle).
     *
     * @param array<string, mixed> $request
     * @return string|resource
     */
    private static function content(array $request): mixed
    {
        $file = $request['body_file'] ?? null;
        if (is_string($file) && $file !== '') {
            $handle = fopen($file, 'rb');
            if ($handle === false) {
                throw new RuntimeException("Cannot open the request body the runtime spooled to {$file}.");
            }
            return $handle;
        }
        return (string) ($request['body'] ?? '');
    }

    /** @param array<string, mixed> $server */
    private static function isFormOrUntyped(array $server): bool
    {
        $type = $server['CONTENT_TYPE'] ?? null;
        return $type === null || str_starts_with((string) $type, 'application/x-www-form-urlencoded');
    }
}

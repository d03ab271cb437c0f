<?php

/** @generate-function-entries */

// The request/response functions of HTTP workers (php_module.cc). scripts/generate-arginfo.sh turns this file into
// ephpm_arginfo.h; composer-package/src/runtime-functions.php repeats the signatures for plain php.

namespace Ephpm\Octane;

/** The next request as an array; null when the server stops. */
function take_request(): ?array {}

function send_response(int $status = 200, array $headers = [], string $body = ""): void {}

function start_response(int $status = 200, array $headers = []): void {}

/** false when the client is gone (it left, or read nothing for server.send_timeout): stop producing. */
function send_chunk(string $chunk): bool {}

function end_response(): void {}

/** A 103 Early Hints with these headers (a Link at least) ahead of the response; none to an HTTP/1.0 client. */
function send_early_hints(array $headers): void {}

<?php

declare(strict_types=1);

// A minimal ephpm worker: boots once, then answers requests in a loop.
// Run it with: ephpm serve --root stubs/hello   (see stubs/hello/ephpm.toml)

$bootedAt = microtime(true);
$served = 0;

while ($request = \Ephpm\Octane\take_request()) {
    $served++;
    $name = htmlspecialchars($request['headers']['x-name'] ?? 'World');
    \Ephpm\Octane\send_response(200, ['Content-Type' => 'text/plain; charset=utf-8'], sprintf(
        "Hello, %s! Worker %d has served %d request%s since it booted %.1fs ago.\n",
        $name,
        getmypid(),
        $served,
        $served === 1 ? '' : 's',
        microtime(true) - $bootedAt,
    ));
}

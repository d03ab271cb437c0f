<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use RuntimeException;

/** Thrown when a worker script calls the ephpm runtime outside `ephpm serve`. */
final class RuntimeNotAvailable extends RuntimeException
{
    public static function forFunction(string $function): self
    {
        return new self(sprintf(
            '%s() only works inside the ephpm runtime, but this PHP (%s SAPI) is not running under ephpm. '
            . 'Start the worker with `npx ephpm serve --worker <script.php>` instead of running it with plain `php`.',
            $function,
            PHP_SAPI,
        ));
    }
}

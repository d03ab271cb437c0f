<?php

declare(strict_types=1);

namespace Ephpm\Octane\Server;

use RuntimeException;
use Symfony\Component\Process\ExecutableFinder;

/**
 * Finds the ephpm runtime (the npm package `ephpm`): the app's node_modules/.bin/ephpm, else `ephpm` on PATH, else
 * the executable EPHPM_BINARY (config `ephpm.binary`) names.
 */
final class RuntimeBinary
{
    public const INSTALL = 'npm install --save-dev ephpm';

    public function __construct(private readonly string $basePath, private readonly ?string $configured = null)
    {
    }

    /**
     * The command line that starts the runtime.
     *
     * @return list<string>
     */
    public function command(): array
    {
        $local = $this->basePath . '/node_modules/.bin/ephpm';
        if (is_file($local) && is_executable($local)) {
            return [$local];
        }
        $onPath = (new ExecutableFinder())->find('ephpm');
        if ($onPath !== null) {
            return [$onPath];
        }
        if ($this->configured !== null && $this->configured !== '') {
            if (!is_file($this->configured) || !is_executable($this->configured)) {
                throw new RuntimeException(
                    "EPHPM_BINARY names {$this->configured}, which is not an executable file. "
                    . 'Point it at the ephpm executable (node_modules/.bin/ephpm of a project that has it), or unset it and run: ' . self::INSTALL,
                );
            }
            return [$this->configured];
        }
        throw new RuntimeException(
            'The ephpm runtime is not installed: there is no node_modules/.bin/ephpm in ' . $this->basePath
            . ', no ephpm on PATH, and EPHPM_BINARY is not set. Install it in the app with: ' . self::INSTALL,
        );
    }
}

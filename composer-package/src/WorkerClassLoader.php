<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use Closure;
use Composer\Autoload\ClassLoader;

/**
 * Composer's class loading as a long-lived worker needs it. OPcache neither caches nor optimizes a file changed less
 * than opcache.file_update_protection seconds (2) before it is compiled. Under php-fpm the next request compiles it
 * again; a worker loads each class once for its whole life, so a controller first used right after a deploy would run
 * unoptimized until the worker is replaced (a route doing PHP work: ~20 % slower). Here a class file is compiled with
 * the protection off; other includes (views compiled at runtime, which another worker may be writing) keep it.
 */
final class WorkerClassLoader
{
    private static ?Closure $include = null;

    /** Takes Composer's place in the autoload chain: the same lookup (findFile()), a different compile. */
    public static function replace(ClassLoader $composer): void
    {
        spl_autoload_register(static function (string $class) use ($composer): void {
            $file = $composer->findFile($class);
            if ($file !== false) {
                self::includeWithoutUpdateProtection($file);
            }
        }, true, true);
        spl_autoload_unregister([$composer, 'loadClass']);
    }

    private static function includeWithoutUpdateProtection(string $file): void
    {
        // As Composer includes: in a scope of its own (no class, no variables but $file).
        $include = self::$include ??= Closure::bind(static function (string $file): void {
            include $file;
        }, null, null);
        $protection = ini_get('opcache.file_update_protection');
        ini_set('opcache.file_update_protection', '0');
        try {
            $include($file);
        } finally {
            if ($protection !== false) {
                ini_set('opcache.file_update_protection', $protection);
            }
        }
    }
}

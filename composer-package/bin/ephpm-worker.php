<?php

declare(strict_types=1);

/*
 * The worker script ephpm runs for a Laravel app (`php artisan octane:start --server=ephpm`, or `ephpm serve` in
 * the app's directory). Each worker process boots the app once through Octane's Worker, then hands it one request
 * after another. Task and tick workers run this same script and branch on their role.
 */

use Ephpm\Octane\EphpmClient;
use Ephpm\Octane\Tasks\TaskRunner;
use Ephpm\Octane\WorkerBootstrap;
use Ephpm\Octane\WorkerClassLoader;
use Laravel\Octane\RequestContext;

use function Ephpm\Octane\take_request;
use function Ephpm\Octane\worker_role;

// Laravel must not take this long-lived PHP for a console: the SAPI is named `cli` only so that OPcache runs.
$_ENV['APP_RUNNING_IN_CONSOLE'] = $_SERVER['APP_RUNNING_IN_CONSOLE'] = false;
// dump() writes into the response, as under php-fpm and `php artisan serve` (Laravel would pick its console dumper
// for a `cli` SAPI). VAR_DUMPER_FORMAT=cli in the environment sends it to the server's console instead.
$_SERVER['VAR_DUMPER_FORMAT'] ??= 'html';
// What packages check to tell they run under Octane (octane:start sets it too; `ephpm serve` does not).
$_ENV['LARAVEL_OCTANE'] = $_SERVER['LARAVEL_OCTANE'] = '1';

$basePath = (static function (): string {
    $explicit = $_SERVER['APP_BASE_PATH'] ?? $_ENV['APP_BASE_PATH'] ?? null;
    if (is_string($explicit) && $explicit !== '') {
        return $explicit;
    }
    // Started as <app>/vendor/ephpm/octane-driver/bin/ephpm-worker.php (the path as given, symlinks kept).
    $script = (string) ($_SERVER['argv'][0] ?? '');
    if (preg_match('#^(.+)/vendor/ephpm/octane-driver/bin/ephpm-worker\.php$#', $script, $match) === 1) {
        return $match[1];
    }
    if (is_file(getcwd() . '/artisan')) {
        return (string) getcwd();
    }
    throw new RuntimeException(
        'ephpm/octane-driver cannot tell where the Laravel app is. Start it with `php artisan octane:start --server=ephpm` '
        . 'or `ephpm serve --root <app>` in the app, or set APP_BASE_PATH.',
    );
})();

// dd() in a request shows its dump in the response, as under Octane's other servers, instead of exit()ing the worker.
if (!function_exists('dd')) {
    function dd(mixed ...$vars): never
    {
        throw new Laravel\Octane\Exceptions\DdException($vars);
    }
}

// What the app loads while it boots (Composer's class map, bootstrap/cache/config.php, the cached routes…) is read
// once for the worker's whole life. OPcache does not keep a file changed less than file_update_protection seconds
// ago, so right after `php artisan optimize` those would stay out of it in this worker, and every request would pay
// for it (~5 % on a small JSON route). What the boot read is what this worker runs, cached or not.
$updateProtection = ini_get('opcache.file_update_protection');
ini_set('opcache.file_update_protection', '0');

if (!is_file($basePath . '/vendor/autoload.php')) {
    throw new RuntimeException("No {$basePath}/vendor/autoload.php: run `composer install` in the Laravel app first.");
}
$composer = require_once $basePath . '/vendor/autoload.php';
if ($composer instanceof Composer\Autoload\ClassLoader) {
    WorkerClassLoader::replace($composer);
}

$client = new EphpmClient();
try {
    $worker = WorkerBootstrap::boot($basePath, $client);
} catch (Throwable $e) {
    // Reported as PHP reports an uncaught exception, once, in the server's log (Laravel's handler would render an
    // error page into the void); the runtime says the script failed to boot and shows this.
    error_log('PHP Fatal error:  Uncaught ' . $e);
    exit(1);
}
if ($updateProtection !== false) {
    ini_set('opcache.file_update_protection', $updateProtection);
}

try {
    if (worker_role() !== 'http') {
        TaskRunner::run($worker);
        return;
    }
    while (!$client->stopRequested() && ($request = take_request()) !== null) {
        $context = new RequestContext(['ephpm' => $request]);
        try {
            [$illuminateRequest, $context] = $client->marshalRequest($context);
        } catch (Throwable $e) {
            $client->error($e, $worker->application(), new Illuminate\Http\Request(), $context);
            report($e);
            continue;
        }
        $worker->handle($illuminateRequest, $context);
        unset($request, $context, $illuminateRequest);
    }
} finally {
    $worker->terminate();
}

<?php

declare(strict_types=1);

namespace Ephpm\Octane\Server;

use Illuminate\Contracts\Foundation\Application;
use Laravel\Octane\Events\TickReceived;
use Laravel\Octane\Swoole\InvokeTickCallable;

/**
 * What the runtime needs from the app's Octane configuration before it starts any worker: the shared tables
 * (`octane.tables`), the `octane` cache store's table (`octane.cache`), whether to run the tick worker, and whether
 * to answer requests for public/'s files itself (`octane.serve_static_files`, true unless set false, as Swoole), and
 * the symlinks the app declares (`filesystems.links`, which `php artisan storage:link` makes), the only ones whose
 * files ephpm serves from outside public/. Read here, in the booted app, for both front doors: octane:start hands it
 * to `ephpm serve` in EPHPM_OCTANE_SETTINGS, and `ephpm serve` / `ephpm dev` ask `php artisan ephpm:octane-settings`
 * for it.
 */
final class OctaneSettings
{
    /** @return array{tables: array<string, mixed>|null, cache: array<string, mixed>|null, tick: bool, serveStaticFiles: bool, links: list<array{link: string, target: string}>} */
    public static function of(Application $app): array
    {
        $config = $app['config'];
        return [
            'tables' => self::nonEmpty($config->get('octane.tables')),
            // Octane makes no `octane` store when octane.cache is empty; neither does ephpm.
            'cache' => self::nonEmpty($config->get('octane.cache')),
            'tick' => self::ticks($app),
            // As Swoole's client reads it: set and falsy turns it off.
            'serveStaticFiles' => !$config->has('octane.serve_static_files') || (bool) $config->get('octane.serve_static_files'),
            'links' => self::links($config->get('filesystems.links')),
        ];
    }

    /**
     * `filesystems.links` (link path => target, as `storage:link` reads it) as a list of pairs: a list stays a list in
     * JSON when empty. Entries that are not two strings are left out, as `storage:link` could not make them.
     *
     * @return list<array{link: string, target: string}>
     */
    private static function links(mixed $links): array
    {
        $pairs = [];
        foreach (is_array($links) ? $links : [] as $link => $target) {
            if (is_string($link) && is_string($target)) {
                $pairs[] = ['link' => $link, 'target' => $target];
            }
        }
        return $pairs;
    }

    /**
     * Whether to run the tick worker (a process of its own): when config('octane.tick') says so, else when the app
     * registered Octane::tick() callbacks (its providers have booted).
     */
    private static function ticks(Application $app): bool
    {
        $configured = $app['config']->get('octane.tick');
        if (is_bool($configured)) {
            return $configured;
        }
        $listeners = $app['events']->getRawListeners()[TickReceived::class] ?? [];
        return array_filter($listeners, static fn (mixed $listener): bool => $listener instanceof InvokeTickCallable) !== [];
    }

    /** @return array<string, mixed>|null */
    private static function nonEmpty(mixed $setting): ?array
    {
        return is_array($setting) && $setting !== [] ? $setting : null;
    }
}

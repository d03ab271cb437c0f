<?php

declare(strict_types=1);

namespace Ephpm\Octane\Listeners;

use Illuminate\Contracts\Events\ShouldHandleEventsAfterCommit;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Events\Dispatcher;
use Illuminate\Foundation\Application;
use Illuminate\Support\Str;
use ReflectionClass;

/**
 * Laravel's dispatcher resolves a class listener each time its event fires: it parses the name, reflects on the
 * class for ShouldQueue, and has the container build it (or find its singleton). Octane's lifecycle events carry
 * ~40 such listeners (config('octane.listeners')), fired on every request, task and tick; that was ~75 µs of a
 * ~430 µs `/api/health` in PHP. Each worker resolves them once after its boot, and the dispatcher then calls those
 * instances, in the same order, among the other listeners it has.
 *
 * Only a listener whose reuse cannot be told from a fresh one is resolved once: its class has no constructor and no
 * instance properties (Octane's own, and any stateless one of the app's), it is not queued or deferred after commit,
 * and the container does not bind it to something built anew each time. Any other listener is left as the app
 * registered it, and is resolved per event as before.
 */
final class ResolveLifecycleListenersOnce
{
    public static function in(Application $app): void
    {
        $events = $app->make('events');
        if (!$events instanceof Dispatcher) {
            return;
        }
        $registered = $events->getRawListeners();
        foreach (array_keys((array) $app->make('config')->get('octane.listeners', [])) as $event) {
            $listeners = $registered[$event] ?? [];
            $resolved = array_map(static fn (mixed $listener): mixed => self::reusable($app, $listener) ?? $listener, $listeners);
            if ($resolved === $listeners) {
                continue;
            }
            $events->forget($event);
            foreach ($resolved as $listener) {
                $events->listen($event, $listener);
            }
        }
    }

    /** @return array{0: object, 1: string}|null the instance and method to call, when reusing it changes nothing */
    private static function reusable(Application $app, mixed $listener): ?array
    {
        if (!is_string($listener)) {
            return null;
        }
        [$class, $method] = Str::parseCallback($listener, 'handle');
        if (!class_exists($class) || !method_exists($class, $method) || is_subclass_of($class, ShouldQueue::class)) {
            return null;
        }
        if ($app->bound($class) && !$app->isShared($class)) {
            return null;
        }
        $instance = $app->make($class);
        if ($instance instanceof ShouldHandleEventsAfterCommit || $instance instanceof ShouldQueue || !self::holdsNoState($instance)) {
            return null;
        }
        return [$instance, $method];
    }

    private static function holdsNoState(object $instance): bool
    {
        if (get_object_vars($instance) !== []) {
            return false;
        }
        for ($class = new ReflectionClass($instance); $class !== false; $class = $class->getParentClass()) {
            if ($class->getConstructor() !== null) {
                return false;
            }
            foreach ($class->getProperties() as $property) {
                if (!$property->isStatic()) {
                    return false;
                }
            }
        }
        return true;
    }
}

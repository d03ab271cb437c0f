<?php

declare(strict_types=1);

namespace Ephpm\Octane;

use Ephpm\Octane\Cache\TableStore;
use Ephpm\Octane\Commands\InstallCommand;
use Ephpm\Octane\Commands\OctaneSettingsCommand;
use Ephpm\Octane\Commands\ReloadCommand;
use Ephpm\Octane\Commands\StartCommand;
use Ephpm\Octane\Commands\StartEphpmCommand;
use Ephpm\Octane\Commands\StatusCommand;
use Ephpm\Octane\Commands\StopCommand;
use Ephpm\Octane\Listeners\RollBackOpenTransactions;
use Ephpm\Octane\Server\RuntimeBinary;
use Ephpm\Octane\Server\ServerProcessInspector;
use Ephpm\Octane\Server\ServerStateFile;
use Ephpm\Octane\Tables\OctaneWithTables;
use Illuminate\Contracts\Foundation\Application;
use Illuminate\Support\Facades\Cache;
use Illuminate\Support\ServiceProvider;
use Laravel\Octane\Commands\InstallCommand as OctaneInstallCommand;
use Laravel\Octane\Commands\ReloadCommand as OctaneReloadCommand;
use Laravel\Octane\Commands\StartCommand as OctaneStartCommand;
use Laravel\Octane\Commands\StatusCommand as OctaneStatusCommand;
use Laravel\Octane\Commands\StopCommand as OctaneStopCommand;
use Laravel\Octane\Events\RequestTerminated;
use Laravel\Octane\Events\TaskTerminated;
use Laravel\Octane\Events\TickReceived;
use Laravel\Octane\Octane;
use Laravel\Octane\OctaneServiceProvider;

/**
 * Makes `ephpm` one of Octane's servers: Octane resolves its commands from the container, so binding a subclass of
 * each lets `--server=ephpm` (or OCTANE_SERVER=ephpm) reach ephpm while the other servers go to Octane's own code.
 */
final class EphpmServiceProvider extends ServiceProvider
{
    /** Octane's command => the subclass that knows `ephpm`. */
    private const COMMANDS = [
        OctaneStartCommand::class => StartCommand::class,
        OctaneStatusCommand::class => StatusCommand::class,
        OctaneReloadCommand::class => ReloadCommand::class,
        OctaneStopCommand::class => StopCommand::class,
        OctaneInstallCommand::class => InstallCommand::class,
    ];

    public function register(): void
    {
        $this->mergeConfigFrom(__DIR__ . '/../config/ephpm.php', 'ephpm');
        if (extension_loaded('ephpm')) {
            // Before anything resolves the Octane facade (Octane's own provider does, in its boot()).
            $this->app->extend('octane', static fn (Octane $octane): OctaneWithTables => new OctaneWithTables($octane));
        }

        foreach (self::COMMANDS as $octane => $ours) {
            $this->app->bind($octane, $ours);
        }
        $this->app->bind(ServerStateFile::class, static fn (Application $app): ServerStateFile => new ServerStateFile(
            (string) $app['config']->get('octane.state_file', storage_path('logs/octane-server-state.json')),
        ));
        $this->app->bind(RuntimeBinary::class, static fn (Application $app): RuntimeBinary => new RuntimeBinary(
            $app->basePath(),
            $app['config']->get('ephpm.binary'),
        ));
        $this->app->bind(ServerProcessInspector::class, static fn (Application $app): ServerProcessInspector => new ServerProcessInspector(
            $app->make(ServerStateFile::class),
            $app->make(RuntimeBinary::class),
            $app->basePath(),
        ));
    }

    public function boot(): void
    {
        if (extension_loaded('ephpm')) {
            $this->bindRuntime();
        }
        if ($this->app->runningInConsole()) {
            $this->commands([StartEphpmCommand::class, OctaneSettingsCommand::class]);
            $this->publishes([__DIR__ . '/../config/ephpm.php' => config_path('ephpm.php')], 'ephpm-config');
        }
    }

    /** Under the ephpm runtime: the `octane` cache store on a shared table, and no transaction left open between requests. */
    private function bindRuntime(): void
    {
        $this->app['events']->listen([RequestTerminated::class, TaskTerminated::class], RollBackOpenTransactions::class);
        if (!array_key_exists(TableStore::CACHE_TABLE, tables())) {
            return;  // started without octane.cache: Octane's own store stays
        }
        $store = TableStore::fromRuntime(report(...));
        $this->app['events']->listen(TickReceived::class, static fn () => $store->refreshIntervals());
        $extend = static fn () => Cache::extend('octane', fn () => Cache::repository($store));  // not static inside: the manager binds it
        // Octane's provider registers its process-local `octane` store in its boot(), which may come after this one
        // (providers boot in package order): ours goes in now and again right after Octane's, so it is the one the
        // app's providers get when they boot (Octane::tick() resolves the store there).
        $extend();
        $this->app->getProvider(OctaneServiceProvider::class)?->booted($extend);
    }
}

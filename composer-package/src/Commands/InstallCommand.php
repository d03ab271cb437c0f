<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Server\RuntimeBinary;
use Illuminate\Support\Facades\File;
use Laravel\Octane\Commands\InstallCommand as OctaneInstallCommand;
use RuntimeException;

/**
 * `octane:install --server=ephpm`: OCTANE_SERVER=ephpm in .env, Octane's config published as for its other servers
 * (and ephpm's), and how to install the runtime when the app does not have it yet.
 */
final class InstallCommand extends OctaneInstallCommand
{
    /** @return int */
    public function handle()
    {
        $server = $this->option('server') ?: $this->choice(
            'Which application server you would like to use?',
            ['roadrunner', 'swoole', 'frankenphp', 'ephpm'],
        );
        if ($server !== 'ephpm') {
            $this->input->setOption('server', $server);
            return parent::handle();
        }

        $this->updateEnvironmentFile('ephpm');
        $this->callSilent('vendor:publish', ['--tag' => 'octane-config', '--force' => true]);
        $this->callSilent('vendor:publish', ['--tag' => 'ephpm-config']);
        $this->ignoreRuntimeState();

        $this->info('Octane installed successfully.');
        try {
            app(RuntimeBinary::class)->command();
            $this->line('  Start the server: php artisan octane:start');
        } catch (RuntimeException) {
            $this->warn('One step left: install the ephpm runtime in the app, with: ' . RuntimeBinary::INSTALL);
        }
        $this->newLine();
        return 0;
    }

    /** The runtime keeps its state file and control socket in .ephpm/. */
    private function ignoreRuntimeState(): void
    {
        $gitignore = base_path('.gitignore');
        if (File::exists($gitignore) && !str_contains(File::get($gitignore), '/.ephpm')) {
            File::append($gitignore, PHP_EOL . '/.ephpm' . PHP_EOL);
        }
    }
}

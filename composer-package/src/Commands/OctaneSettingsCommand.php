<?php

declare(strict_types=1);

namespace Ephpm\Octane\Commands;

use Ephpm\Octane\Server\OctaneSettings;
use Illuminate\Console\Command;
use Symfony\Component\Console\Attribute\AsCommand;

/**
 * `php artisan ephpm:octane-settings`: the app's Octane tables, cache table and tick setting as one line of JSON,
 * for `ephpm serve` / `ephpm dev` run in the app's directory (they cache it until the app's config changes).
 */
#[AsCommand(name: 'ephpm:octane-settings')]
final class OctaneSettingsCommand extends Command
{
    /** @var string */
    protected $signature = 'ephpm:octane-settings';

    /** @var string */
    protected $description = "Print the app's Octane tables, cache and tick settings as JSON (read by ephpm serve)";

    /** @var bool */
    protected $hidden = true;

    public function handle(): int
    {
        $this->output->writeln((string) json_encode(OctaneSettings::of($this->laravel), JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES));
        return self::SUCCESS;
    }
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { EphpmError } from '../runtime/errors.js';
import {
  composerJson,
  installedPackages,
  majorOf,
  satisfiesConstraint,
  shippedDriver,
} from '../runtime/laravel/composer-packages.js';
import { isLaravelApp } from '../runtime/laravel/laravel-app.js';

/** What the directory the user named holds. */
export type Target =
  | { kind: 'new'; dir: string; /** an empty directory that was there before */ existed: boolean }
  | { kind: 'laravel'; dir: string; framework: string; octane: string | null };

/**
 * A new app goes into a directory that does not exist or is empty; ephpm is added to a Laravel app it supports.
 * Anything else is refused, naming what was found.
 */
export function inspectTarget(dir: string): Target {
  if (!existsSync(dir)) return { kind: 'new', dir, existed: false };
  if (!statSync(dir).isDirectory())
    throw refuse(`${dir} is a file, not a directory.`, 'Name a new directory for the app, or an existing Laravel app.');
  const entries = readdirSync(dir);
  if (entries.length === 0) return { kind: 'new', dir, existed: true };

  const framework = composerJson(dir)?.require?.['laravel/framework'];
  if (!isLaravelApp(dir) || framework === undefined) {
    const found = entries.slice(0, 6).join(', ') + (entries.length > 6 ? `, … (${entries.length} entries)` : '');
    const missing = !isLaravelApp(dir) ? 'no artisan file' : 'its composer.json does not require laravel/framework';
    throw refuse(
      `${dir} is not a Laravel app (${missing}); it holds: ${found}.`,
      'Name a new (or empty) directory to create a Laravel app there, or an existing Laravel app.',
    );
  }
  const installed = installedPackages(dir);
  const version = installed?.get('laravel/framework');
  if (!installed || !version) {
    throw refuse(
      `${dir} is a Laravel app whose Composer packages are not installed (no vendor/).`,
      `Install them first: cd ${dir} && composer install`,
    );
  }
  const driver = shippedDriver().require;
  const supported = driver['laravel/framework'] ?? '';
  if (!satisfiesConstraint(version, supported)) {
    throw refuse(
      `${dir} is a Laravel ${majorOf(version) ?? version} app (laravel/framework ${version}); ephpm's Octane driver supports laravel/framework ${supported}.`,
      `Upgrade the app (https://laravel.com/docs/upgrade), or create a new one: npx create-ephpm-laravel <new-dir>`,
    );
  }
  const octane = installed.get('laravel/octane') ?? null;
  const octaneNeeded = driver['laravel/octane'] ?? '';
  if (octane && !satisfiesConstraint(octane, octaneNeeded)) {
    throw refuse(
      `${dir} has laravel/octane ${octane}; ephpm's Octane driver needs laravel/octane ${octaneNeeded}.`,
      `Upgrade it in the app: composer require laravel/octane:"${octaneNeeded}"`,
    );
  }
  return { kind: 'laravel', dir, framework: version, octane };
}

function refuse(message: string, hint: string): EphpmError {
  return new EphpmError('EPHPM_NOT_SUPPORTED_HERE', message, hint);
}

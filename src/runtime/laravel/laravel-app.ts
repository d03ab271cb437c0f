import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { EphpmError } from '../errors.js';
import { packageRoot } from '../native/addon.js';

/** Where Composer puts the driver's worker script in a Laravel app. */
export const DRIVER_WORKER = join('vendor', 'ephpm', 'octane-driver', 'bin', 'ephpm-worker.php');

/** A Laravel app is a directory with an `artisan` file. */
export function isLaravelApp(root: string): boolean {
  return existsSync(join(root, 'artisan'));
}

/** The Composer packages a Laravel app needs for ephpm that are not installed in it. */
export function missingLaravelPackages(root: string): string[] {
  return [
    existsSync(join(root, 'vendor', 'laravel', 'octane')) ? null : 'laravel/octane',
    existsSync(join(root, 'vendor', 'ephpm', 'octane-driver')) ? null : 'ephpm/octane-driver',
  ].filter((name): name is string => name !== null);
}

/**
 * The commands that install them. The driver ships inside this npm package, not on Packagist: a path repository
 * points Composer at it, so the driver always matches the runtime that runs it.
 */
export function composerRequireCommand(missing: string[]): string {
  return [
    missing.includes('laravel/octane') ? 'composer require laravel/octane' : null,
    missing.includes('ephpm/octane-driver')
      ? `composer config repositories.ephpm path ${join(packageRoot, 'composer-package')} && composer require ephpm/octane-driver:@dev`
      : null,
  ]
    .filter(Boolean)
    .join(' && ');
}

/**
 * The worker script `ephpm serve` / `dev` run for a Laravel app given no --worker: the driver's, from the app's
 * vendor/ (it boots the app through Octane). Null for any other directory; an error naming the `composer require`
 * to run when the app lacks laravel/octane or the driver.
 */
export function laravelWorkerScript(root: string): string | null {
  if (!isLaravelApp(root)) return null;
  const missing = missingLaravelPackages(root);
  if (missing.length > 0) {
    throw new EphpmError(
      'EPHPM_LARAVEL_PACKAGES_MISSING',
      `${root} is a Laravel app, but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed, so ephpm has no worker script to run it.`,
      `run in the app: ${composerRequireCommand(missing)}`,
    );
  }
  return join(root, DRIVER_WORKER);
}

/** Whether `workerScript` is the driver's worker script of the app at `root` (octane:start passes it by its real path). */
export function isDriverWorker(root: string, workerScript: string): boolean {
  const driverWorker = join(root, DRIVER_WORKER);
  return (
    existsSync(driverWorker) && existsSync(workerScript) && realpathSync(driverWorker) === realpathSync(workerScript)
  );
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './ephpm-server.js';

const composerPackage = join(repoRoot, 'composer-package');
/** Written by scripts/composer-package-deps.sh when Composer could not resolve laravel/octane. */
const withoutOctane = join(composerPackage, '.without-octane.json');

/**
 * composer-package/vendor/ (scripts/setup.sh installs it); installed here by the same script when missing, or when
 * it predates laravel/octane in composer.json (no Octane in it, and no note that Composer could not resolve it).
 */
export function ensureComposerPackageDeps(): void {
  const installed = existsSync(join(composerPackage, 'vendor', 'autoload.php'));
  const octaneDecided = existsSync(join(composerPackage, 'vendor', 'laravel', 'octane')) || existsSync(withoutOctane);
  if (installed && octaneDecided) return;
  execFileSync('bash', [join(repoRoot, 'scripts', 'composer-package-deps.sh')], { stdio: 'inherit' });
}

/**
 * Why the Octane suites cannot run here (null when they can), decided once, by the Composer install of
 * composer-package/: where Composer cannot resolve laravel/octane, they skip as a whole.
 */
export function octaneUnavailableReason(): string | null {
  ensureComposerPackageDeps();
  return existsSync(withoutOctane) ? 'laravel/octane not resolvable' : null;
}

import { spawnSync } from 'node:child_process';
import { EphpmError } from '../runtime/errors.js';
import { phpMinorForHints } from '../runtime/native/php-config.js';

/** The `php` CLI's version (what Composer and artisan run on). */
export function phpCliVersion(): string {
  const result = spawnSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new EphpmError(
      'EPHPM_TOOL_MISSING',
      'php is not installed (Composer and artisan need the PHP CLI).',
      `sudo apt-get install -y php${phpMinorForHints()}-cli`,
    );
  }
  return result.stdout.trim();
}

/** php, Composer and npm: the tools every step runs. */
export function requireTools(): string {
  const php = phpCliVersion();
  if (
    spawnSync('composer', ['--version'], { stdio: 'ignore', env: { ...process.env, COMPOSER_NO_INTERACTION: '1' } })
      .status !== 0
  ) {
    throw new EphpmError(
      'EPHPM_TOOL_MISSING',
      'Composer is not installed.',
      'sudo apt-get install -y composer  (or see https://getcomposer.org/download/)',
    );
  }
  if (spawnSync('npm', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new EphpmError('EPHPM_TOOL_MISSING', 'npm is not installed.', 'Install Node.js 20 or newer with its npm.');
  }
  return php;
}

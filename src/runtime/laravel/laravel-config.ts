import { spawn } from 'node:child_process';
import { EphpmError } from '../errors.js';

/** What `ephpm doctor` needs of a Laravel app's configuration, as the app itself resolves it (config cache included). */
export interface LaravelConfig {
  octaneServer: string | null;
  appKeySet: boolean;
  octaneTables: unknown;
  sessionDriver: string | null;
  configCached: boolean;
}

// Boots the app's console kernel (what artisan does before a command) and prints one JSON line.
const READ_CONFIG = `
require getcwd() . '/vendor/autoload.php';
$app = require getcwd() . '/bootstrap/app.php';
$app->make(Illuminate\\Contracts\\Console\\Kernel::class)->bootstrap();
echo "\\n", json_encode([
    'octaneServer' => config('octane.server'),
    'appKeySet' => (string) config('app.key') !== '',
    'octaneTables' => config('octane.tables', []),
    'sessionDriver' => config('session.driver'),
    'configCached' => $app->configurationIsCached(),
]), "\\n";
`;

/** Reads the config with the `php` CLI in the app's directory. */
export function readLaravelConfig(root: string): Promise<LaravelConfig> {
  const child = spawn('php', ['-r', READ_CONFIG], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, APP_RUNNING_IN_CONSOLE: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new EphpmError(
          'EPHPM_LARAVEL_CONFIG',
          `php could not run: ${error.message}`,
          'Install the PHP CLI (artisan and Composer need it too).',
        ),
      ),
    );
    child.once('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) return resolve(JSON.parse(last) as LaravelConfig);
      const output = `${stdout}${stderr}`.trim().split('\n').slice(0, 5).join('\n');
      reject(
        new EphpmError(
          'EPHPM_LARAVEL_CONFIG',
          `The app's configuration could not be read (php exited with ${code}): ${output}`,
          'Run php artisan about in the app to see the error.',
        ),
      );
    });
  });
}

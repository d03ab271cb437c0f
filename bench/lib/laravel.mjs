// The Laravel app of the Octane test suite, served by `php artisan octane:start --server=ephpm`, for the benchmarks
// that measure Octane's API (Octane::table(), Octane::concurrently()) beside ephpm's own functions. Its bench routes:
// test/fixtures/laravel/app/Http/Controllers/BenchController.php.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launch, tail, waitForOutput } from './processes.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The app's directory; built into .cache/ the first time (composer, a few minutes), as the Octane suite does. */
export function laravelApp() {
  try {
    return execFileSync(join(repo, 'node_modules/.bin/vite-node'), [join(repo, 'bench/lib/laravel-app-path.ts')], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 900_000,
    }).trim();
  } catch (error) {
    throw new Error(
      `could not build the Laravel app (laravel/octane must resolve through Composer):\n${tail(`${error.stdout ?? ''}${error.stderr ?? ''}`)}`,
    );
  }
}

/** `php artisan octane:start --server=ephpm` in the app with these options; resolves with the process and its URL. */
export async function startLaravel(app, options, logFile) {
  const port = await freePort();
  const server = launch(
    'octane:start',
    'php',
    ['artisan', 'octane:start', '--server=ephpm', `--port=${port}`, '--max-requests=0', ...options],
    { cwd: app, logFile },
  );
  await waitForOutput(server, /Local: http:\/\//, 120_000);
  return { server, url: `http://127.0.0.1:${port}` };
}

/** GET a bench route; its JSON, or an error with the app's answer. */
export async function benchRoute(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: ${tail(body)}`);
  return JSON.parse(body);
}

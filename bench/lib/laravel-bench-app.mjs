// The Laravel app bench:laravel measures: made by this checkout's create-ephpm-laravel (as `npm run demo` makes
// it), cached in .cache/ under a hash of what the scaffolder is made from, then, on every run, the bench files of
// bench/fixtures/laravel-app/ copied over it and the app put in production shape: APP_ENV=production,
// APP_DEBUG=false, the array session driver, the seeded SQLite table, and config/event/route/view caches.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run, tail } from './processes.mjs';

/** What every server's PHP runs with (php-node has no OPcache: the opcache lines do nothing there). */
export const PHP_SETTINGS = {
  memory_limit: '256M',
  'opcache.enable': '1',
  'opcache.enable_cli': '1',
  'opcache.validate_timestamps': '0',
  'opcache.jit': 'off',
  'opcache.jit_buffer_size': '0',
};

const SCAFFOLDER_SOURCES = [
  'src/scaffold',
  'stubs/laravel',
  'bin/create-ephpm-laravel.js',
  'composer-package/composer.json',
  'package.json',
];
const BENCH_PROVIDER = 'App\\Providers\\BenchRoutesServiceProvider';
const ENV = { APP_ENV: 'production', APP_DEBUG: 'false', SESSION_DRIVER: 'array', LOG_LEVEL: 'warning' };
const PHP_BLOCK_START = '# bench:laravel settings (bench/lib/laravel-bench-app.mjs)';

function filesUnder(repo, path) {
  const full = join(repo, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(full, entry))
    .filter((file) => statSync(file).isFile());
}

function scaffoldKey(repo, laravel) {
  const hash = createHash('sha256').update(`laravel ${laravel ?? 'default'}\0`);
  for (const file of SCAFFOLDER_SOURCES.flatMap((path) => filesUnder(repo, path)).sort()) {
    hash.update(relative(repo, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function step(command, args, cwd, timeoutMs = 600_000) {
  const result = await run(command, args, {
    cwd,
    timeoutMs,
    env: { COMPOSER_NO_INTERACTION: '1', npm_config_yes: 'true', FORCE_COLOR: '0' },
  });
  if (result.code !== 0)
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${tail(result.stdout + result.stderr, 40)}`);
  return result.stdout;
}

/**
 * The scaffolded app (made the first time, ~30 s), ready for production; its directory. `laravel`: a major for
 * `--laravel` (BENCH_LARAVEL), else the scaffolder's default pick.
 */
export async function benchLaravelApp(repo, laravel = null, log = console.log) {
  const cacheRoot = join(repo, '.cache');
  const key = scaffoldKey(repo, laravel);
  const home = join(cacheRoot, `bench-laravel-${key}`);
  const app = join(home, 'app');
  if (!existsSync(join(home, 'ready'))) {
    for (const old of existsSync(cacheRoot) ? readdirSync(cacheRoot) : []) {
      if (old.startsWith('bench-laravel-')) rmSync(join(cacheRoot, old), { recursive: true, force: true });
    }
    mkdirSync(home, { recursive: true });
    log(`making the app with create-ephpm-laravel in ${relative(repo, app)} (once)`);
    await step(
      process.execPath,
      [join(repo, 'bin/create-ephpm-laravel.js'), app, '--yes', ...(laravel ? ['--laravel', String(laravel)] : [])],
      home,
    );
    writeFileSync(join(home, 'ready'), new Date().toISOString());
  }
  await prepare(repo, app);
  return app;
}

async function prepare(repo, app) {
  cpSync(join(repo, 'bench/fixtures/laravel-app'), app, {
    recursive: true,
    filter: (source) => !source.endsWith('README.md'),
  });
  const providers = readFileSync(join(app, 'bootstrap/providers.php'), 'utf8');
  if (!providers.includes(BENCH_PROVIDER)) {
    await step(
      'php',
      [
        '-r',
        'require "vendor/autoload.php"; Illuminate\\Support\\ServiceProvider::addProviderToBootstrapFile($argv[1], "bootstrap/providers.php");',
        BENCH_PROVIDER,
      ],
      app,
    );
  }
  writeFileSync(join(app, '.env'), withEnv(readFileSync(join(app, '.env'), 'utf8')));
  writeFileSync(join(app, 'ephpm.toml'), withPhpSettings(readFileSync(join(app, 'ephpm.toml'), 'utf8')));
  await step('php', ['artisan', 'optimize:clear'], app);
  await step('php', ['artisan', 'migrate', '--force'], app);
  await step('php', ['artisan', 'db:seed', '--class=Database\\Seeders\\BenchItemsSeeder', '--force'], app);
  await step('php', ['artisan', 'optimize'], app);
}

function withEnv(env) {
  let text = env;
  for (const [name, value] of Object.entries(ENV)) {
    const line = `${name}=${value}`;
    text = new RegExp(`^${name}=.*$`, 'm').test(text)
      ? text.replace(new RegExp(`^${name}=.*$`, 'm'), line)
      : `${text.trimEnd()}\n${line}\n`;
  }
  return text;
}

/** ephpm.toml with a [php] section of PHP_SETTINGS (the scaffolded file has its own [php] commented out). */
function withPhpSettings(toml) {
  const base = toml.split(PHP_BLOCK_START)[0].trimEnd();
  const lines = Object.entries(PHP_SETTINGS).map(
    ([name, value]) => `${name.includes('.') ? JSON.stringify(name) : name} = ${JSON.stringify(value)}`,
  );
  return `${base}\n\n${PHP_BLOCK_START}\n[php]\n${lines.join('\n')}\n`;
}

import { constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isEphpmError } from '../runtime/errors.js';
import { composerJson, installedPackages, satisfiesConstraint } from '../runtime/laravel/composer-packages.js';
import { composerRequireCommand, missingLaravelPackages } from '../runtime/laravel/laravel-app.js';
import { readLaravelConfig, type LaravelConfig } from '../runtime/laravel/laravel-config.js';
import { packageRoot } from '../runtime/native/addon.js';
import { canAccess } from '../runtime/native/php-config.js';
import type { RuntimeInfo } from '../runtime/toolchain/runtime-info.js';
import { parseTableDefinitions } from '../runtime/tables/table-definitions.js';
import { parseByteSize } from '../runtime/sizes.js';
import type { Check } from './doctor-check.js';

const WRITABLE = [
  'storage',
  'storage/app',
  'storage/framework',
  'storage/framework/cache',
  'storage/framework/sessions',
  'storage/framework/views',
  'storage/logs',
  'bootstrap/cache',
];
const MIN_MEMORY = 128 * 1024 * 1024;

/** `ephpm doctor` in a Laravel app: Octane and the driver, the app's config as it resolves it, its files, its PHP needs. */
export async function laravelChecks(root: string, info: RuntimeInfo | null): Promise<Check[]> {
  const missing = missingLaravelPackages(root);
  if (missing.length > 0) {
    return [
      {
        name: 'Laravel + Octane',
        status: 'fail',
        detail: `${missing.join(' and ')} not installed`,
        fix: `npx ephpm init  (or: ${composerRequireCommand(missing)})`,
      },
    ];
  }
  const checks: Check[] = [
    { name: 'Laravel + Octane', status: 'ok', detail: 'laravel/octane and ephpm/octane-driver installed' },
    checkVersions(root),
  ];
  try {
    checks.push(...configChecks(await readLaravelConfig(root)));
  } catch (error) {
    checks.push({
      name: 'Laravel config',
      status: 'fail',
      detail: (error as Error).message,
      fix: isEphpmError(error) ? error.hint : undefined,
    });
  }
  checks.push(checkConfigCache(root), checkWritable(root));
  if (info) checks.push(checkRequiredExtensions(root, info), checkMemoryLimit(info));
  return checks;
}

function checkVersions(root: string): Check {
  const name = 'Laravel, Octane and driver versions';
  const installed = installedPackages(root)!;
  const [framework, octane, driver] = ['laravel/framework', 'laravel/octane', 'ephpm/octane-driver'].map(
    (pkg) => installed.get(pkg) ?? '?',
  ) as [string, string, string];
  const driverJson = join(root, 'vendor', 'ephpm', 'octane-driver', 'composer.json');
  const requires = existsSync(driverJson)
    ? ((JSON.parse(readFileSync(driverJson, 'utf8')) as { require?: Record<string, string> }).require ?? {})
    : {};
  const runtime = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const detail = `laravel/framework ${framework}, laravel/octane ${octane}, ephpm/octane-driver ${driver}, runtime ${runtime}`;
  for (const [pkg, version] of [
    ['laravel/framework', framework],
    ['laravel/octane', octane],
  ] as const) {
    const wanted = requires[pkg];
    if (wanted && !satisfiesConstraint(version, wanted)) {
      return {
        name,
        status: 'fail',
        detail: `${detail}: the driver needs ${pkg} ${wanted}`,
        fix: `composer require ${pkg}:"${wanted}"`,
      };
    }
  }
  if (driver.replace(/^v/, '') !== runtime) {
    return {
      name,
      status: 'warn',
      detail: `${detail}: the driver and the runtime are different releases`,
      fix: `composer require ephpm/octane-driver:^${runtime}`,
    };
  }
  return { name, status: 'ok', detail };
}

function configChecks(config: LaravelConfig): Check[] {
  const checks: Check[] = [];
  const recache = config.configCached ? ', then php artisan config:cache' : '';
  checks.push(
    config.octaneServer === 'ephpm'
      ? { name: 'octane.server', status: 'ok', detail: 'ephpm' }
      : {
          name: 'octane.server',
          status: 'fail',
          detail: `${config.octaneServer ?? 'not set'}: octane:start would start another server`,
          fix: `set OCTANE_SERVER=ephpm in .env${recache}  (npx ephpm init does it)`,
        },
  );
  checks.push(
    config.appKeySet
      ? { name: 'APP_KEY', status: 'ok', detail: 'set' }
      : {
          name: 'APP_KEY',
          status: 'fail',
          detail: 'not set: encrypted cookies and sessions fail',
          fix: `php artisan key:generate${recache}`,
        },
  );
  try {
    const tables = parseTableDefinitions(config.octaneTables, 'octane.tables (config/octane.php)');
    checks.push({
      name: 'octane.tables',
      status: 'ok',
      detail: tables.length === 0 ? 'none' : tables.map((t) => `${t.name} (${t.rows} rows)`).join(', '),
    });
  } catch (error) {
    checks.push({
      name: 'octane.tables',
      status: 'fail',
      detail: (error as Error).message,
      fix: `fix octane.tables in config/octane.php${recache}`,
    });
  }
  checks.push(checkSessionDriver(config.sessionDriver, recache));
  return checks;
}

/**
 * Under php-fpm the array driver forgets each session with its request. A worker keeps its handler, and with it every
 * session written: one per request that came without a session cookie, until the session lifetime ends.
 */
function checkSessionDriver(driver: string | null, recache: string): Check {
  const name = 'session.driver';
  return driver === 'array'
    ? {
        name,
        status: 'warn',
        detail:
          "array: each worker keeps the sessions it wrote in its own memory, so a visitor's next request on another worker finds none, " +
          'and every request without a session cookie leaves one there for session.lifetime (memory grows with traffic)',
        fix: `set SESSION_DRIVER=database (or file, redis, cookie) in .env${recache}`,
      }
    : { name, status: 'ok', detail: driver ?? 'not set' };
}

/** bootstrap/cache/config.php older than a file it was made from: the app runs on settings that are no longer there. */
function checkConfigCache(root: string): Check {
  const name = 'config cache';
  const cache = join(root, 'bootstrap', 'cache', 'config.php');
  if (!existsSync(cache)) return { name, status: 'ok', detail: 'not cached (read on every boot)' };
  const cachedAt = statSync(cache).mtimeMs;
  const sources = [join(root, '.env'), ...filesUnder(join(root, 'config'))].filter((file) => existsSync(file));
  const newer = sources.filter((file) => statSync(file).mtimeMs > cachedAt).map((file) => relative(root, file));
  return newer.length === 0
    ? { name, status: 'ok', detail: 'cached and up to date' }
    : {
        name,
        status: 'warn',
        detail: `stale: ${newer.join(', ')} changed after php artisan config:cache`,
        fix: 'php artisan config:cache  (or php artisan config:clear)',
      };
}

function checkWritable(root: string): Check {
  const name = 'storage/ and bootstrap/cache writable';
  const problems: string[] = [];
  const missing: string[] = [];
  for (const dir of WRITABLE) {
    const path = join(root, dir);
    if (!existsSync(path)) {
      problems.push(`${dir} is missing`);
      missing.push(dir);
    } else if (!statSync(path).isDirectory()) problems.push(`${dir} is not a directory`);
    else if (!canAccess(path, constants.W_OK)) problems.push(`${dir} is not writable`);
  }
  if (problems.length === 0) return { name, status: 'ok', detail: 'yes' };
  const fix = [missing.length > 0 ? `mkdir -p ${missing.join(' ')}` : null, 'chmod -R u+w storage bootstrap/cache']
    .filter(Boolean)
    .join(' && ');
  return {
    name,
    status: 'fail',
    detail: problems.join('; '),
    fix: problems.some((p) => p.endsWith('not a directory')) ? `make each one a directory, then: ${fix}` : fix,
  };
}

function checkRequiredExtensions(root: string, info: RuntimeInfo): Check {
  const name = 'PHP extensions the app requires';
  const required = Object.keys(composerJson(root)?.require ?? {})
    .filter((pkg) => pkg.startsWith('ext-'))
    .map((pkg) => pkg.slice(4));
  if (required.length === 0) return { name, status: 'ok', detail: 'none required' };
  const loaded = new Set(
    [...info.extensions, ...info.zendExtensions].map((ext) =>
      ext.toLowerCase().replace(/^zend opcache$/, 'zend-opcache'),
    ),
  );
  const missing = required.filter((ext) => !loaded.has(ext.toLowerCase()));
  if (missing.length === 0) return { name, status: 'ok', detail: required.join(', ') };
  const minor = /^\d+\.\d+/.exec(info.phpVersion)?.[0] ?? '8.2';
  return {
    name,
    status: 'fail',
    detail: `not loaded in the embedded PHP: ${missing.join(', ')}`,
    fix: `sudo apt-get install -y ${missing.map((ext) => `php${minor}-${ext.replace(/^pdo_/, '')}`).join(' ')}  (or enable them in ${info.iniFile ?? 'the embed php.ini'})`,
  };
}

function checkMemoryLimit(info: RuntimeInfo): Check {
  const name = 'memory_limit';
  if (info.memoryLimit === '-1') return { name, status: 'ok', detail: 'unlimited' };
  let bytes: number;
  try {
    bytes = parseByteSize(info.memoryLimit, 'memory_limit');
  } catch {
    return { name, status: 'ok', detail: info.memoryLimit };
  }
  return bytes >= MIN_MEMORY
    ? { name, status: 'ok', detail: info.memoryLimit }
    : {
        name,
        status: 'warn',
        detail: `${info.memoryLimit}: a worker holds the booted app for its whole life; Laravel wants 128M or more`,
        fix: 'memory_limit = "256M" under [php] in ephpm.toml',
      };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => join(dir, path))
    .filter((path) => path.endsWith('.php'));
}

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { composerProblems, devToolNeedingNewerPhp } from '../../src/scaffold/composer-problems.js';
import { cliPath, repoRoot, tempDir } from './ephpm-server.js';

// The Laravel app the Octane suite runs: laravel/laravel from Composer, laravel/octane and this repository's
// composer-package/ (a symlinked path repository, so PHP edits need no rebuild), the routes and controllers of
// test/fixtures/laravel/, and node_modules/.bin/ephpm pointing at this repository's CLI. Built once per Laravel major,
// cached in .cache/ under a hash of what it is made from. The suite runs once on each major (vitest.config.ts).

/** The Laravel major this run of the Octane suite is on: EPHPM_TEST_LARAVEL, 11 by default. */
export const LARAVEL_MAJOR = laravelMajorOfRun();
/** A describe title naming the Laravel the suite runs on (.ci/summary.mjs counts the suite per major by it). */
export const onLaravel = (title: string) => `${title} (Laravel ${LARAVEL_MAJOR})`;

function laravelMajorOfRun(): number {
  const major = Number(process.env.EPHPM_TEST_LARAVEL ?? '11');
  if (major !== 11 && major !== 12)
    throw new Error(`EPHPM_TEST_LARAVEL is 11 or 12; got ${process.env.EPHPM_TEST_LARAVEL}`);
  return major;
}

const fixtures = join(repoRoot, 'test', 'fixtures', 'laravel');
const cacheRoot = join(repoRoot, '.cache');
/** Bytes of storage/app/big.bin, the file the download test fetches. */
export const BIG_FILE_BYTES = 50 * 1024 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

/** What the app is made from: a change to any of these makes a new app. */
function buildKey(): string {
  const hash = createHash('sha256').update(`laravel ${LARAVEL_MAJOR}\0`);
  const sources = [
    join(repoRoot, 'composer-package', 'composer.json'),
    join(repoRoot, 'test', 'helpers', 'laravel-app.ts'),
    ...filesUnder(fixtures).map((path) => join(fixtures, path)),
  ];
  for (const file of sources)
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function run(command: string, args: string[], cwd: string): void {
  try {
    execFileSync(command, args, {
      cwd,
      stdio: 'pipe',
      timeout: 600_000,
      env: { ...process.env, COMPOSER_NO_INTERACTION: '1' },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`,
    );
  }
}

/**
 * home/app as `composer create-project laravel/laravel:^<major>.0` makes it, less the skeleton's dev tools of which
 * no version installs on this PHP (Laravel 12's laravel/pint needs PHP 8.3), as `create-ephpm-laravel --laravel 12`
 * leaves them out.
 */
function createSkeleton(home: string): void {
  run(
    'composer',
    [
      'create-project',
      `laravel/laravel:^${LARAVEL_MAJOR}.0`,
      'app',
      '--no-progress',
      '--prefer-dist',
      '--no-install',
      '--no-scripts',
    ],
    home,
  );
  const app = join(home, 'app');
  const left = devToolsNeedingNewerPhp(app);
  if (left.length > 0) run('composer', ['remove', '--dev', '--no-update', ...left], app);
  run('composer', ['update', '--no-progress'], app);
  for (const script of ['post-root-package-install', 'post-create-project-cmd'])
    run('composer', ['run-script', script], app);
}

/** The skeleton's require-dev packages Composer refuses for the PHP version alone (the scaffolder's reading of it). */
function devToolsNeedingNewerPhp(app: string): string[] {
  const requireDev =
    (JSON.parse(readFileSync(join(app, 'composer.json'), 'utf8')) as { 'require-dev'?: Record<string, string> })[
      'require-dev'
    ] ?? {};
  try {
    execFileSync(
      'composer',
      ['update', '--dry-run', '--no-interaction', '--no-audit', '--no-scripts', '--no-plugins'],
      { cwd: app, stdio: 'pipe' },
    );
    return [];
  } catch (error) {
    const output = `${(error as { stdout?: Buffer }).stdout?.toString() ?? ''}${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`;
    return composerProblems(output).flatMap((problem) => devToolNeedingNewerPhp(problem, requireDev)?.name ?? []);
  }
}

/** The app's directory, built first if this version of it is not in .cache/ yet. */
export function laravelApp(): string {
  const key = buildKey();
  const prefix = `laravel-${LARAVEL_MAJOR}-app-`;
  const home = join(cacheRoot, `${prefix}${key}`);
  const app = join(home, 'app');
  if (existsSync(join(home, 'ready'))) return app;

  for (const old of existsSync(cacheRoot) ? readdirSync(cacheRoot) : []) {
    if (old.startsWith(prefix)) rmSync(join(cacheRoot, old), { recursive: true, force: true });
  }
  mkdirSync(home, { recursive: true });
  createSkeleton(home);
  const repository = JSON.stringify({
    type: 'path',
    url: join(repoRoot, 'composer-package'),
    options: { symlink: true },
  });
  run('composer', ['config', 'repositories.ephpm', repository], app);
  run('composer', ['config', 'minimum-stability', 'dev'], app);
  run('composer', ['config', 'prefer-stable', 'true'], app);
  run('composer', ['require', 'laravel/octane:^2.13', 'ephpm/octane-driver:@dev', '--no-progress'], app);
  for (const path of filesUnder(fixtures).filter((path) => path !== 'README.md')) {
    mkdirSync(join(app, path, '..'), { recursive: true });
    cpSync(join(fixtures, path), join(app, path));
  }
  mkdirSync(join(app, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(cliPath, join(app, 'node_modules', '.bin', 'ephpm'));
  run('php', ['artisan', 'octane:install', '--server=ephpm', '--no-interaction'], app);
  run('php', ['artisan', 'db:seed', '--force'], app);
  writeFileSync(join(app, 'storage', 'app', 'big.bin'), bigFileContent());
  writeFileSync(join(home, 'ready'), new Date().toISOString());
  return app;
}

/** storage/app/big.bin: 50 MB that are not the same block over and over. */
export function bigFileContent(): Buffer {
  const block = Buffer.alloc(1024 * 1024);
  const content = Buffer.alloc(BIG_FILE_BYTES);
  for (let offset = 0, n = 0; offset < BIG_FILE_BYTES; offset += block.length, n++) {
    block.fill(`block ${n} of the ephpm download test. `);
    block.copy(content, offset);
  }
  return content;
}

/**
 * A copy of the app for a test that changes it: its own files, and vendor/ as links to the app's packages, minus
 * `withoutPackages` (e.g. 'ephpm/octane-driver'); node_modules/ only when `withRuntime`.
 */
export function appCopy(app: string, options: { withoutPackages?: string[]; withRuntime?: boolean } = {}): string {
  const copy = join(tempDir('ephpm-laravel-'), 'app');
  mkdirSync(copy);
  for (const entry of readdirSync(app)) {
    if (entry === 'vendor' || entry === 'node_modules') continue;
    cpSync(join(app, entry), join(copy, entry), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !source.endsWith('big.bin'),
    });
  }
  const without = new Set(options.withoutPackages ?? []);
  for (const vendorName of readdirSync(join(app, 'vendor'))) {
    const source = join(app, 'vendor', vendorName);
    // Composer's autoloader finds the app from its own directory: a copy, so that App\ is this copy's app/.
    if (!statSync(source).isDirectory() || vendorName === 'composer') {
      cpSync(source, join(copy, 'vendor', vendorName), { recursive: true });
      continue;
    }
    for (const pkg of readdirSync(source)) {
      if (without.has(`${vendorName}/${pkg}`)) continue;
      mkdirSync(join(copy, 'vendor', vendorName), { recursive: true });
      symlinkSync(join(source, pkg), join(copy, 'vendor', vendorName, pkg));
    }
  }
  if (options.withRuntime) {
    mkdirSync(join(copy, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(cliPath, join(copy, 'node_modules', '.bin', 'ephpm'));
  }
  return copy;
}

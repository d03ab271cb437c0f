import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { observeProcess, repoRoot, tempDir, type ObservedProcess } from './ephpm-server.js';

// The scaffolder's apps, built once and kept in .cache/ under a hash of what they are made from: the app
// `npx --package <tarball> create-ephpm-laravel my-app --yes` makes from an `npm pack` of this repository, and plain
// Laravel skeletons (composer create-project only) for `ephpm init` and the refusals.

const cacheRoot = join(repoRoot, '.cache');
const helper = join(repoRoot, 'test', 'helpers', 'scaffold.ts');
/** What the npm package is made from (dist/ is built from src/). */
const PACKAGED = [
  'package.json',
  'src',
  'bin',
  'stubs',
  'native',
  'composer-package/composer.json',
  'composer-package/src',
  'composer-package/bin',
  'composer-package/config',
  'scripts/install-addon.mjs',
];

/** A Composer and npm that never ask: npx installs the tarball without its "Ok to proceed?" (this machine's npmrc says yes=false). */
export const QUIET_ENV = { COMPOSER_NO_INTERACTION: '1', npm_config_yes: 'true', FORCE_COLOR: '0' };

function hashOf(paths: string[]): string {
  const hash = createHash('sha256');
  const files = paths.flatMap((path) => {
    const full = join(repoRoot, path);
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return [full];
    return readdirSync(full, { recursive: true, encoding: 'utf8' })
      .map((entry) => join(full, entry))
      .filter((file) => !file.includes(`${join('native', 'build')}`) && statSync(file).isFile());
  });
  for (const file of files.sort())
    hash.update(relative(repoRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Keeps one directory per prefix in .cache/: the one for `key`. */
function cacheHome(prefix: string, key: string): { home: string; ready: boolean } {
  const home = join(cacheRoot, `${prefix}-${key}`);
  if (existsSync(join(home, 'ready'))) return { home, ready: true };
  for (const old of existsSync(cacheRoot) ? readdirSync(cacheRoot) : []) {
    if (old.startsWith(`${prefix}-`)) rmSync(join(cacheRoot, old), { recursive: true, force: true });
  }
  mkdirSync(home, { recursive: true });
  return { home, ready: false };
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 600_000,
      env: { ...process.env, ...QUIET_ENV, ...env },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** What the package and the app made from it are made from. */
const packageKey = () => hashOf([...PACKAGED, relative(repoRoot, helper)]);

/** `npm pack` of this repository (its prepack builds dist/), once per version of what it packs. */
export function packedTarball(key = packageKey()): string {
  const { home, ready } = cacheHome('ephpm-tarball', key);
  if (!ready) {
    const name = run('npm', ['pack', '--silent', '--pack-destination', home], repoRoot).trim().split('\n').at(-1)!;
    writeFileSync(join(home, 'ready'), name);
  }
  return join(home, readFileSync(join(home, 'ready'), 'utf8'));
}

export interface ScaffoldedApp {
  app: string;
  tarball: string;
  /** Everything the create command printed, and how long it took (on the run that made the app). */
  output: string;
  seconds: number;
  code: number | null;
}

/** Runs a command to its end: exit code and output (stdout and stderr as they came). */
export function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...QUIET_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The app `npx --package <tarball> create-ephpm-laravel my-app --yes` makes in an empty folder (with `--laravel <n>`
 * when `laravel` is given: a second app, cached beside the first).
 */
export async function scaffoldedApp(options: { laravel?: number } = {}): Promise<ScaffoldedApp> {
  const key = packageKey();
  const tarball = packedTarball(key);
  const pinned = options.laravel === undefined ? [] : ['--laravel', String(options.laravel)];
  // Not "scaffolded-app-…": cacheHome clears every directory under its prefix.
  const { home, ready } = cacheHome(
    options.laravel === undefined ? 'scaffolded-app' : `scaffolded-laravel-${options.laravel}-app`,
    key,
  );
  const work = join(home, 'work');
  const app = join(work, 'my-app');
  if (!ready) {
    mkdirSync(work, { recursive: true });
    const started = Date.now();
    const { code, output } = await runToEnd(
      'npx',
      ['--package', tarball, 'create-ephpm-laravel', 'my-app', ...pinned, '--yes'],
      { cwd: work, timeoutMs: 600_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    writeFileSync(join(home, 'result.json'), JSON.stringify({ code, output, seconds }));
    if (code !== 0) throw new Error(`create-ephpm-laravel failed (exit ${code}):\n${output}`);
    writeFileSync(join(home, 'ready'), new Date().toISOString());
  }
  const result = JSON.parse(readFileSync(join(home, 'result.json'), 'utf8')) as Omit<ScaffoldedApp, 'app' | 'tarball'>;
  return { app, tarball, ...result };
}

/**
 * A Laravel skeleton as `composer create-project laravel/laravel:^<major>.0` makes it, nothing added; with
 * `withoutDevTools`, those require-dev packages taken out before anything installs (Laravel 12's laravel/pint needs
 * PHP 8.3), by the steps create-project runs, as `create-ephpm-laravel --laravel 12` does on PHP 8.2.
 */
export function skeletonApp(major: number, withoutDevTools: string[] = []): string {
  const key = createHash('sha256')
    .update(hashOf([relative(repoRoot, helper)]))
    .update(withoutDevTools.join(','))
    .digest('hex')
    .slice(0, 16);
  const { home, ready } = cacheHome(`laravel-${major}-skeleton`, key);
  const app = join(home, 'app');
  if (!ready) {
    const createProject = ['create-project', `laravel/laravel:^${major}.0`, 'app', '--prefer-dist', '--no-progress'];
    if (withoutDevTools.length === 0) {
      run('composer', createProject, home);
    } else {
      run('composer', [...createProject, '--no-install', '--no-scripts'], home);
      run('composer', ['remove', '--dev', '--no-update', ...withoutDevTools], app);
      run('composer', ['run-script', 'post-root-package-install'], app);
      run('composer', ['update', '--no-progress'], app);
      run('composer', ['run-script', 'post-create-project-cmd'], app);
    }
    writeFileSync(join(home, 'ready'), new Date().toISOString());
  }
  return app;
}

/** A full copy of an app (vendor/ included: Composer changes it) in a temp folder. */
export function copyOf(app: string, name = 'app'): string {
  const copy = join(tempDir('ephpm-scaffold-'), name);
  cpSync(app, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

/** Every file under `dir` (node_modules/ and vendor/ as their top-level entries) with a hash of its content. */
export function fileDigest(dir: string): Record<string, string> {
  const digest: Record<string, string> = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = join(sub, entry.name);
      if (entry.isDirectory() && (entry.name === 'node_modules' || entry.name === 'vendor')) {
        digest[path] = readdirSync(join(dir, path)).sort().join(',');
      } else if (entry.isDirectory()) walk(path);
      else
        digest[path] = entry.isSymbolicLink()
          ? 'link'
          : createHash('sha256')
              .update(readFileSync(join(dir, path)))
              .digest('hex');
    }
  };
  walk('');
  return digest;
}

/** The paths whose digest differs between two digests (added, removed or changed). */
export function changedPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((path) => before[path] !== after[path])
    .sort();
}

/** The scaffolder of this checkout, run to its end. */
export function createEphpmLaravel(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return runToEnd(process.execPath, [join(repoRoot, 'bin', 'create-ephpm-laravel.js'), ...args], {
    cwd,
    env,
    timeoutMs: 300_000,
  });
}

/**
 * A command as a terminal runs it: in a process group of its own, stopped by Ctrl-C to the whole group (npx passes
 * no SIGTERM on to ephpm). `ctrlC()` resolves once every process holding its output has exited (ephpm outlives npx
 * by its drain).
 */
export function spawnAsInTerminal(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
): ObservedProcess & { ctrlC(): Promise<void> } {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...QUIET_ENV, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ctrlC = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
    await closed;
  };
  return { ...observeProcess(child), ctrlC };
}

/** `npx ephpm serve` in the app, once it serves. */
export async function serveWithNpx(app: string, port: number): Promise<ObservedProcess & { ctrlC(): Promise<void> }> {
  const server = spawnAsInTerminal('npx', ['ephpm', 'serve', '--port', String(port), '--workers', '1'], { cwd: app });
  try {
    await server.waitFor(/serving http:\/\/127\.0\.0\.1:\d+/, 0, 60_000);
  } catch (error) {
    await server.ctrlC();
    throw error;
  }
  return server;
}

/** Laravel's welcome page, as a browser gets it from the app's server. */
export async function expectWelcomePage(url: string): Promise<void> {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<title>Laravel<\/title>/);
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EphpmError } from '../runtime/errors.js';
import { packageRoot } from '../runtime/php/addon.js';
import { majorsOf, shippedDriver } from '../runtime/laravel/composer-packages.js';
import { ToolFailed, runTool } from './tools.js';

// What Composer can install here, asked before anything is created: a resolution without installing
// (`composer update --dry-run` of a throwaway composer.json) takes a second or two with Composer's cache.

/** Where the app gets ephpm/octane-driver: Packagist when it has this version, else the copy inside the npm package. */
export interface DriverSource {
  constraint: string;
  /** null: from Packagist. */
  pathRepository: string | null;
}

export interface MajorProbe {
  major: number;
  installs: boolean;
  /** laravel/framework and laravel/octane versions Composer picked. */
  framework?: string;
  octane?: string;
  /** Why not, in Composer's words. */
  problem?: string;
}

/** The Laravel majors the driver supports (its laravel/framework requirement), newest first. */
export function supportedMajors(): number[] {
  return majorsOf(shippedDriver().require['laravel/framework'] ?? '');
}

/** Fails with one line saying how to make laravel/octane resolvable when no repository Composer knows has it. */
export async function ensureOctaneResolvable(): Promise<void> {
  try {
    await inTempDir((dir) => runTool('composer', ['show', '--available', '--no-interaction', 'laravel/octane'], { cwd: dir }));
  } catch (error) {
    if (!(error instanceof ToolFailed)) throw error;
    if (!/not found/i.test(error.output)) throw error;
    throw new EphpmError(
      'EPHPM_OCTANE_UNRESOLVABLE',
      'Composer cannot resolve laravel/octane here (no repository it knows has it): make it resolvable, e.g. with Packagist reachable or `composer config -g repositories.octane path /path/to/a/laravel-octane-checkout`, then run this again.',
    );
  }
}

export async function driverSource(): Promise<DriverSource> {
  const { version } = shippedDriver();
  const constraint = `^${version}`;
  try {
    const shown = await inTempDir((dir) => runTool('composer', ['show', '--available', '--no-interaction', '--format=json', 'ephpm/octane-driver'], { cwd: dir }));
    const versions = (JSON.parse(shown.slice(shown.indexOf('{'))) as { versions?: string[] }).versions ?? [];
    if (versions.some((v) => v.replace(/^v/, '') === version)) return { constraint, pathRepository: null };
  } catch {
    // not on Packagist (or not this version): the copy shipped in the npm package
  }
  return { constraint, pathRepository: join(packageRoot, 'composer-package') };
}

/** Whether Laravel `major` installs together with laravel/octane and the driver on the PHP Composer runs on. */
export async function probeMajor(major: number, driver: DriverSource): Promise<MajorProbe> {
  const composerJson = {
    require: { 'laravel/framework': `^${major}.0`, 'ephpm/octane-driver': driver.constraint },
    ...(driver.pathRepository ? { repositories: [{ type: 'path', url: driver.pathRepository, options: { symlink: false } }] } : {}),
    'minimum-stability': 'stable',
  };
  try {
    const output = await inTempDir((dir) => {
      writeFileSync(join(dir, 'composer.json'), JSON.stringify(composerJson));
      return runTool('composer', ['update', '--dry-run', '--no-interaction', '--no-audit', '--no-scripts', '--no-plugins'], { cwd: dir });
    });
    const picked = (name: string) => new RegExp(`Installing ${name.replace('/', '\\/')} \\(([^)]+)\\)`).exec(output)?.[1];
    return { major, installs: true, framework: picked('laravel/framework'), octane: picked('laravel/octane') };
  } catch (error) {
    if (!(error instanceof ToolFailed)) throw error;
    const problems = error.output.split('\n').filter((line) => /^\s+- /.test(line)).map((line) => line.trim().replace(/^- /, '').replace(/ -> .*$/, ''));
    return { major, installs: false, problem: problems.find((line) => /requires/.test(line)) ?? problems[0] ?? error.output.trim().split('\n').at(-1) };
  }
}

/** Probes `majors` newest first and stops at the first that installs (`all`: probes every one). */
export async function probeMajors(majors: number[], driver: DriverSource, all: boolean): Promise<MajorProbe[]> {
  const probes: MajorProbe[] = [];
  for (const major of majors) {
    const probe = await probeMajor(major, driver);
    probes.push(probe);
    if (probe.installs && !all) break;
  }
  return probes;
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ephpm-composer-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

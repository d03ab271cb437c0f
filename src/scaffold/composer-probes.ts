import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EphpmError } from '../runtime/errors.js';
import { packageRoot } from '../runtime/native/addon.js';
import { majorsOf, shippedDriver } from '../runtime/laravel/composer-packages.js';
import { composerProblems, composerReason, devToolNeedingNewerPhp, type LeftOutTool } from './composer-problems.js';
import { ToolFailed, runTool } from './tools.js';

// What Composer can install here, asked before anything is created: Laravel's skeleton (its composer.json, without
// installing) with laravel/octane and the driver added, resolved by `composer update --dry-run` — a second or two
// each with Composer's cache.

/** Where the app gets ephpm/octane-driver: Packagist when it has this version, else the copy inside the npm package. */
export interface DriverSource {
  constraint: string;
  /** null: from Packagist. */
  pathRepository: string | null;
}

export interface MajorProbe {
  major: number;
  /** The skeleton installs with laravel/octane and the driver — as it is, or less the dev tools in `leftOut`. */
  installs: boolean;
  /** laravel/framework and laravel/octane versions Composer picked. */
  framework?: string;
  octane?: string;
  /** The skeleton's dev tools that must be left out for it to install on this PHP (empty: it installs as it is). */
  leftOut: LeftOutTool[];
  /** Why it does not install, in Composer's words. */
  problem?: string;
}

type SkeletonJson = {
  require?: Record<string, string>;
  'require-dev'?: Record<string, string>;
  repositories?: unknown;
  [key: string]: unknown;
};

export const installsAsItIs = (probe: MajorProbe): boolean => probe.installs && probe.leftOut.length === 0;

/** The Laravel majors the driver supports (its laravel/framework requirement), newest first. */
export function supportedMajors(): number[] {
  return majorsOf(shippedDriver().require['laravel/framework'] ?? '');
}

/** Fails with one line saying how to make laravel/octane resolvable when no repository Composer knows has it. */
export async function ensureOctaneResolvable(): Promise<void> {
  try {
    await inTempDir((dir) =>
      runTool('composer', ['show', '--available', '--no-interaction', 'laravel/octane'], { cwd: dir }),
    );
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
    const shown = await inTempDir((dir) =>
      runTool('composer', ['show', '--available', '--no-interaction', '--format=json', 'ephpm/octane-driver'], {
        cwd: dir,
      }),
    );
    const versions = (JSON.parse(shown.slice(shown.indexOf('{'))) as { versions?: string[] }).versions ?? [];
    if (versions.some((v) => v.replace(/^v/, '') === version)) return { constraint, pathRepository: null };
  } catch {
    // not on Packagist (or not this version): the copy shipped in the npm package
  }
  return { constraint, pathRepository: join(packageRoot, 'composer-package') };
}

/** The PHP constraint of the newest laravel/laravel `major` Composer knows (e.g. "^8.3"), or null. */
export async function skeletonPhpConstraint(major: number): Promise<string | null> {
  try {
    const shown = await inTempDir((dir) =>
      runTool(
        'composer',
        ['show', '--available', '--no-interaction', '--format=json', 'laravel/laravel', `^${major}.0`],
        { cwd: dir },
      ),
    );
    return (JSON.parse(shown.slice(shown.indexOf('{'))) as { requires?: { php?: string } }).requires?.php ?? null;
  } catch {
    return null; // no such skeleton, or no repository answers: the caller says less
  }
}

/**
 * Whether Laravel `major`'s skeleton (require and require-dev) installs together with laravel/octane and the driver
 * on the PHP Composer runs on. A require-dev package that only the PHP version keeps out is a dev tool the app can do
 * without: it is left out and the rest resolved again. Any other problem means the major does not install.
 */
export async function probeMajor(major: number, driver: DriverSource): Promise<MajorProbe> {
  return inTempDir(async (dir) => {
    const skeleton = join(dir, 'skeleton');
    try {
      await runTool(
        'composer',
        [
          'create-project',
          `laravel/laravel:^${major}.0`,
          skeleton,
          '--no-install',
          '--no-scripts',
          '--no-interaction',
          '--prefer-dist',
          '--no-progress',
        ],
        { cwd: dir },
      );
    } catch (error) {
      if (!(error instanceof ToolFailed)) throw error;
      const why = error.output.split('\n').find((line) => /Cannot use|Could not find/.test(line));
      return {
        major,
        installs: false,
        leftOut: [],
        problem: composerReason(why === undefined ? undefined : [why], error.output),
      };
    }
    const json = withOctaneAndDriver(
      JSON.parse(readFileSync(join(skeleton, 'composer.json'), 'utf8')) as SkeletonJson,
      driver,
    );
    const requireDev = { ...json['require-dev'] };
    const leftOut: LeftOutTool[] = [];
    // Each round leaves out at least one require-dev package, so there are at most that many rounds after the first.
    for (let round = 0; round <= Object.keys(requireDev).length; round++) {
      writeFileSync(join(skeleton, 'composer.json'), JSON.stringify(json, null, 2));
      try {
        const output = await runTool(
          'composer',
          ['update', '--dry-run', '--no-interaction', '--no-audit', '--no-scripts', '--no-plugins'],
          { cwd: skeleton },
        );
        const picked = (name: string) =>
          new RegExp(`Installing ${name.replace('/', '\\/')} \\(([^)]+)\\)`).exec(output)?.[1];
        return {
          major,
          installs: true,
          framework: picked('laravel/framework'),
          octane: picked('laravel/octane'),
          leftOut,
        };
      } catch (error) {
        if (!(error instanceof ToolFailed)) throw error;
        const problems = composerProblems(error.output);
        const blocking = problems.find((problem) => devToolNeedingNewerPhp(problem, requireDev) === null);
        if (problems.length === 0 || blocking !== undefined) {
          return { major, installs: false, leftOut, problem: composerReason(blocking, error.output) };
        }
        for (const tool of problems.flatMap((problem) => devToolNeedingNewerPhp(problem, requireDev) ?? [])) {
          delete json['require-dev']?.[tool.name];
          leftOut.push(tool);
        }
      }
    }
    return { major, installs: false, leftOut, problem: "Composer kept finding problems with the skeleton's dev tools" };
  });
}

/** Probes `majors` newest first and stops at the first that installs as it is (`all`: probes every one). */
export async function probeMajors(majors: number[], driver: DriverSource, all: boolean): Promise<MajorProbe[]> {
  const probes: MajorProbe[] = [];
  for (const major of majors) {
    const probe = await probeMajor(major, driver);
    probes.push(probe);
    if (installsAsItIs(probe) && !all) break;
  }
  return probes;
}

/** The default pick: the newest that installs as it is, else the newest that installs less some dev tools. */
export function defaultProbe(probes: MajorProbe[]): MajorProbe | undefined {
  return probes.find(installsAsItIs) ?? probes.find((probe) => probe.installs);
}

function withOctaneAndDriver(json: SkeletonJson, driver: DriverSource): SkeletonJson {
  const octane = shippedDriver().require['laravel/octane'] ?? '*';
  const repositories: unknown[] = Array.isArray(json.repositories)
    ? json.repositories
    : Object.values((json.repositories ?? {}) as Record<string, unknown>);
  return {
    ...json,
    require: { ...json.require, 'laravel/octane': octane, 'ephpm/octane-driver': driver.constraint },
    'require-dev': { ...json['require-dev'] },
    ...(driver.pathRepository
      ? { repositories: [...repositories, { type: 'path', url: driver.pathRepository, options: { symlink: false } }] }
      : {}),
  };
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ephpm-composer-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { packageRoot } from '../native/addon.js';

/** Composer packages installed in an app (vendor/composer/installed.json): name → version as Composer reports it. */
export type InstalledPackages = Map<string, string>;

/** null when the app has no vendor/ (composer install never ran). */
export function installedPackages(root: string): InstalledPackages | null {
  const file = join(root, 'vendor', 'composer', 'installed.json');
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as
    { packages?: Array<{ name: string; version: string }> } | Array<{ name: string; version: string }>;
  const list = Array.isArray(parsed) ? parsed : (parsed.packages ?? []); // Composer 1 wrote a bare list
  return new Map(list.map((pkg) => [pkg.name, pkg.version]));
}

/** The app's composer.json (the parts read here), or null. */
export interface AppComposerJson {
  require?: Record<string, string>;
  'require-dev'?: Record<string, string>;
  repositories?: unknown;
  scripts?: Record<string, unknown>;
}

/** The app's composer.json, or null. */
export function composerJson(root: string): AppComposerJson | null {
  const file = join(root, 'composer.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as AppComposerJson;
  } catch {
    return null;
  }
}

/** The driver this copy of ephpm ships (composer-package/composer.json): its version and what it requires. */
export function shippedDriver(): { version: string; require: Record<string, string> } {
  const json = JSON.parse(readFileSync(join(packageRoot, 'composer-package', 'composer.json'), 'utf8')) as {
    version: string;
    require: Record<string, string>;
  };
  return { version: json.version, require: json.require };
}

/**
 * Whether a Composer version ("v11.57.1", "2.3.7", "11.x-dev") satisfies a Composer constraint ("^11.0|^12.0",
 * ">=8.2", "^2.3"). Covers the forms packages use for their requirements; a branch without a number never does.
 */
export function satisfiesConstraint(version: string, constraint: string): boolean {
  const coerced = semver.coerce(version.replace(/^v/, ''));
  if (!coerced) return false;
  const range = constraint
    .split(/\s*\|\|?\s*/)
    .map((part) =>
      part
        .replace(/\s*,\s*/g, ' ')
        .replace(/@\w+/g, '')
        .trim(),
    )
    .join(' || ');
  return semver.validRange(range) !== null && semver.satisfies(coerced, range);
}

/** The major versions a constraint like "^11.0|^12.0" allows, newest first. */
export function majorsOf(constraint: string): number[] {
  const majors = constraint
    .split('|')
    .map((part) => /(\d+)/.exec(part)?.[1])
    .filter((major) => major !== undefined)
    .map(Number);
  return [...new Set(majors)].sort((a, b) => b - a);
}

/** "v11.57.1" → 11. */
export function majorOf(version: string): number | null {
  const major = /^v?(\d+)\./.exec(version)?.[1];
  return major === undefined ? null : Number(major);
}

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { packageRoot } from '../runtime/native/addon.js';

/** This copy of the ephpm npm package, and how an app should depend on it. */
export interface EphpmPackage {
  root: string;
  version: string;
  /** What `npm install --save-dev` gets: a registry range, or `file:` to the tarball or directory this copy came from. */
  spec: string;
  /** The app's package.json `allowScripts` key that lets npm run ephpm's install script (the addon build). */
  allowScriptsKey: string | null;
}

/**
 * Where this copy came from. Inside a node_modules/ (an npm install, or npx's cache) npm's lockfile there says:
 * a tarball or directory (`file:`), or the registry. Anywhere else it is a checkout: the app links to it.
 */
export function ephpmPackage(root = packageRoot): EphpmPackage {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  if (basename(dirname(root)) !== 'node_modules') return { root, version, spec: `file:${root}`, allowScriptsKey: null };
  const project = dirname(dirname(root));
  const resolved = installedFrom(project);
  if (resolved?.startsWith('file:')) {
    const target = resolve(project, resolved.slice('file:'.length));
    return { root, version, spec: `file:${target}`, allowScriptsKey: `file:${target}` };
  }
  return { root, version, spec: `ephpm@^${version}`, allowScriptsKey: 'ephpm' };
}

function installedFrom(project: string): string | undefined {
  const lock = join(project, 'node_modules', '.package-lock.json');
  if (!existsSync(lock)) return undefined;
  const packages = (JSON.parse(readFileSync(lock, 'utf8')) as { packages?: Record<string, { resolved?: string }> })
    .packages;
  return packages?.['node_modules/ephpm']?.resolved;
}

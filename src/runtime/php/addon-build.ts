import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { EphpmError } from '../errors.js';
import { packageRoot } from './addon.js';
import { findPhpInstall, installHeadersHint, type PhpInstall } from './php-install.js';

/** The compiler run that builds the addon against one PHP, before it runs (`runtime:build --print`). */
export interface AddonBuildPlan {
  php: PhpInstall;
  compiler: string;
  args: string[];
  output: string;
}

export interface AddonBuild {
  phpVersion: string;
  phpConfig: string;
  library: string;
  output: string;
  seconds: number;
}

/**
 * The g++ command for every .cc under native/ → native/build/ephpm.node, offline: Node-API headers come from
 * npm packages, PHP's headers and library from the PHP's php-config (findPhpInstall: $EPHPM_PHP_CONFIG, php-config,
 * php-config8.x newest first).
 */
export function planAddonBuild(php: PhpInstall = findPhpInstall()): AddonBuildPlan {
  const require = createRequire(import.meta.url);
  const nativeDir = join(packageRoot, 'native');
  const output = join(nativeDir, 'build', 'ephpm.node');
  const args = [
    '-std=c++17', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wno-unused-parameter',
    '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${(require('node-api-headers') as { include_dir: string }).include_dir}`,
    `-I${dirname(require.resolve('node-addon-api/package.json'))}`,
    `-I${nativeDir}`,
    ...php.includes,
    ...sourceFiles(nativeDir),
    // $ORIGIN first: the link to libphp under its soname that buildAddon() leaves beside the addon.
    `-L${php.libDir}`, `-l${php.linkName}`, '-Wl,-rpath,$ORIGIN', `-Wl,-rpath,${php.libDir}`, '-lpthread', '-ldl',
    // Written aside and renamed: running servers keep the file they loaded.
    '-o', `${output}.tmp`,
  ];
  return { php, compiler: process.env.CXX ?? 'g++', args, output };
}

/** Runs the plan; the compiler's output is only shown when it fails. */
export function buildAddon(plan: AddonBuildPlan = planAddonBuild()): AddonBuild {
  const started = Date.now();
  const { php, compiler, args, output } = plan;
  const hint = installHeadersHint(php.minor);
  mkdirSync(dirname(output), { recursive: true });
  const result = spawnSync(compiler, args, { encoding: 'utf8' });
  if (result.error) throw new EphpmError('EPHPM_BUILD_FAILED', `The C++ compiler (${compiler}) could not run: ${result.error.message}`, hint);
  if (result.status !== 0) {
    throw new EphpmError('EPHPM_BUILD_FAILED', `The addon did not compile against PHP ${php.version} (${php.phpConfig}):\n${result.stdout}${result.stderr}`, `Check the compiler output above; the headers come from: ${hint}`);
  }
  linkBySoname(php.library, dirname(output));
  renameSync(`${output}.tmp`, output);
  return { phpVersion: php.version, phpConfig: php.phpConfig, library: php.library, output, seconds: (Date.now() - started) / 1000 };
}

/**
 * The addon records libphp's soname, which need not be a file in the library's directory (Debian's libphp8.2.so
 * says libphp.so): a link by that name beside the addon, found through the $ORIGIN rpath, loads the library built against.
 */
function linkBySoname(library: string, dir: string): void {
  let soname: string | undefined;
  try {
    soname = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(execFileSync('readelf', ['-d', library], { encoding: 'utf8' }))?.[1];
  } catch {
    return; // no readelf: the rpath to the library's directory still applies
  }
  if (!soname || soname === basename(library) || soname.includes('/')) return;
  const link = join(dir, soname);
  rmSync(link, { force: true });
  symlinkSync(library, link);
}

/** Every .cc under native/ (each capability has its folder), build output excluded. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.cc'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

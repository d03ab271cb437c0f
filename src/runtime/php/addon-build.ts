import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EphpmError } from '../errors.js';
import { packageRoot } from './addon.js';

const INSTALL_HEADERS = 'sudo apt-get install -y php8.2-dev libphp8.2-embed g++';

export interface AddonBuild {
  phpVersion: string;
  output: string;
  seconds: number;
}

/**
 * Compiles every .cc file under native/ into native/build/ephpm.node against the installed
 * libphp, offline: Node-API headers come from npm packages, PHP's from
 * php-config. The compiler's output is only shown when it fails.
 */
export function buildAddon(phpConfig = process.env.EPHPM_PHP_CONFIG ?? 'php-config8.2'): AddonBuild {
  const started = Date.now();
  const require = createRequire(import.meta.url);
  const config = (flag: string) => {
    try {
      return execFileSync(phpConfig, [flag], { encoding: 'utf8' }).trim();
    } catch {
      throw new EphpmError('EPHPM_BUILD_FAILED', `${phpConfig} was not found: PHP's headers and embed library are not installed.`, INSTALL_HEADERS);
    }
  };
  const phpVersion = config('--version');
  const nativeDir = join(packageRoot, 'native');
  const outDir = join(nativeDir, 'build');
  const output = join(outDir, 'ephpm.node');
  mkdirSync(outDir, { recursive: true });
  const args = [
    '-std=c++17', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wno-unused-parameter',
    '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${(require('node-api-headers') as { include_dir: string }).include_dir}`,
    `-I${dirname(require.resolve('node-addon-api/package.json'))}`,
    `-I${nativeDir}`,
    ...config('--includes').split(/\s+/).filter(Boolean),
    ...sourceFiles(nativeDir),
    `-L${config('--prefix')}/lib`, '-lphp8.2', `-Wl,-rpath,${config('--prefix')}/lib`, '-lpthread', '-ldl',
    // Written aside and renamed: running servers keep the file they loaded.
    '-o', `${output}.tmp`,
  ];
  const compiler = process.env.CXX ?? 'g++';
  const result = spawnSync(compiler, args, { encoding: 'utf8' });
  if (result.error) throw new EphpmError('EPHPM_BUILD_FAILED', `The C++ compiler (${compiler}) could not run: ${result.error.message}`, INSTALL_HEADERS);
  if (result.status !== 0) {
    throw new EphpmError('EPHPM_BUILD_FAILED', `The addon did not compile:\n${result.stdout}${result.stderr}`, `Check the compiler output above; the headers come from: ${INSTALL_HEADERS}`);
  }
  renameSync(`${output}.tmp`, output);
  return { phpVersion, output, seconds: (Date.now() - started) / 1000 };
}

/** Every .cc under native/ (each capability has its folder), build output excluded. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.cc'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

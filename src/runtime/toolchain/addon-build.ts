import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { EphpmError } from '../errors.js';
import { PROXY_PROGRAM, packageRoot } from '../native/addon.js';
import { installHeadersHint } from '../native/php-config.js';
import { bindLibphp, canBind, symbolsLoadedBefore } from './libphp-binding.js';
import { findPhpInstall, type PhpInstall } from './php-install.js';

const PROXY_DIR = 'worker-proxy';

/** The compiler runs that build the addon against one PHP, before they run (`runtime:build --print`). */
export interface AddonBuildPlan {
  php: PhpInstall;
  compiler: string;
  /** One compile per source file (run in parallel), then the link; each an argument list for `compiler`. */
  compiles: string[][];
  link: string[];
  /** The worker proxy (native/worker-proxy/), a program of its own: one compile and link. */
  proxy: string[];
  output: string;
  objDir: string;
}

export interface AddonBuild {
  phpVersion: string;
  phpConfig: string;
  library: string;
  /** What the addon loads: a bound copy of `library` beside it (libphp-binding.ts), or, where none can be made, why. */
  libphp: { calls: number; loads: number } | { unbound: string };
  output: string;
  seconds: number;
}

/**
 * g++ for every .cc under native/ → native/build/ephpm.node, offline: Node-API headers come from npm packages, PHP's
 * headers and library from the PHP's php-config (findPhpInstall: $EPHPM_PHP_CONFIG, php-config, php-config8.x newest
 * first).
 */
export function planAddonBuild(php: PhpInstall = findPhpInstall()): AddonBuildPlan {
  const require = createRequire(import.meta.url);
  const nativeDir = join(packageRoot, 'native');
  const buildDir = join(nativeDir, 'build');
  const output = join(buildDir, 'ephpm.node');
  const common = ['-std=c++17', '-O2', '-Wall', '-Wno-unused-parameter', `-I${nativeDir}`];
  const flags = [
    ...common,
    '-fPIC',
    '-fvisibility=hidden',
    '-DNAPI_VERSION=8',
    '-DNAPI_DISABLE_CPP_EXCEPTIONS',
    '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${(require('node-api-headers') as { include_dir: string }).include_dir}`,
    `-I${dirname(require.resolve('node-addon-api/package.json'))}`,
    ...php.includes,
  ];
  const objects: string[] = [];
  // One object directory per build: two builds at once (two installs of the same copy) never share one.
  const objDir = join(buildDir, `obj-${process.pid}`);
  const compiles = sourceFiles(nativeDir).map((source) => {
    const object = join(objDir, `${relative(nativeDir, source).replace(/[/\\]/g, '_')}.o`);
    objects.push(object);
    return [...flags, '-c', source, '-o', object];
  });
  const link = [
    '-shared',
    '-fPIC',
    ...objects,
    // $ORIGIN first: the link to libphp under its soname that buildAddon() leaves beside the addon.
    `-L${php.libDir}`,
    `-l${php.linkName}`,
    '-Wl,-rpath,$ORIGIN',
    `-Wl,-rpath,${php.libDir}`,
    '-lpthread',
    '-ldl',
    // Written aside and renamed: running servers keep the file they loaded.
    '-o',
    `${output}.tmp`,
  ];
  const proxy = [
    ...common,
    join(nativeDir, PROXY_DIR, 'worker_proxy.cc'),
    '-o',
    join(buildDir, `${PROXY_PROGRAM}.tmp`),
  ];
  return { php, compiler: process.env.CXX ?? 'g++', compiles, link, proxy, output, objDir };
}

/** Runs the plan, compiling on every CPU; the compiler's output is only shown when it fails. */
export async function buildAddon(plan: AddonBuildPlan = planAddonBuild()): Promise<AddonBuild> {
  const started = Date.now();
  const { php, compiler, output, objDir } = plan;
  rmSync(objDir, { recursive: true, force: true });
  mkdirSync(objDir, { recursive: true });
  const queue = [...plan.compiles];
  let failure: unknown = null;
  const worker = async () => {
    for (let args = queue.shift(); args && failure === null; args = queue.shift()) {
      await compile(compiler, args, php).catch((error: unknown) => (failure ??= error));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(availableParallelism(), queue.length)) }, worker));
    if (failure !== null) throw failure as Error;
    await compile(compiler, plan.link, php);
    await compile(compiler, plan.proxy, php);
  } finally {
    rmSync(objDir, { recursive: true, force: true });
  }
  const libphp = await placeLibphp(php.library, dirname(output), `${output}.tmp`);
  renameSync(`${output}.tmp`, output);
  renameSync(join(dirname(output), `${PROXY_PROGRAM}.tmp`), join(dirname(output), PROXY_PROGRAM));
  return {
    phpVersion: php.version,
    phpConfig: php.phpConfig,
    library: php.library,
    libphp,
    output,
    seconds: (Date.now() - started) / 1000,
  };
}

function compile(compiler: string, args: string[], php: PhpInstall): Promise<void> {
  const hint = installHeadersHint(php.minor);
  return new Promise((resolve, reject) => {
    const child = spawn(compiler, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (error) =>
      reject(
        new EphpmError('EPHPM_BUILD_FAILED', `The C++ compiler (${compiler}) could not run: ${error.message}`, hint),
      ),
    );
    child.once('close', (code) => {
      if (code === 0) return resolve();
      reject(
        new EphpmError(
          'EPHPM_BUILD_FAILED',
          `The addon did not compile against PHP ${php.version} (${php.phpConfig}):\n${output}`,
          `Check the compiler output above; the headers come from: ${hint}`,
        ),
      );
    });
  });
}

/**
 * The addon records libphp's soname, which need not be a file in the library's directory (Debian's libphp8.2.so
 * says libphp.so). A file by that name beside the addon, found first through the $ORIGIN rpath, is what it loads: the
 * bound copy of the library built against, or where that cannot be made, a link to the library itself.
 */
async function placeLibphp(library: string, dir: string, addon: string): Promise<AddonBuild['libphp']> {
  const name = sonameOf(library) ?? basename(library);
  const placed = join(dir, name);
  let unbound = 'libphp is not an x86-64 ELF library (or readelf is missing)';
  if (canBind(library)) {
    try {
      const { calls, loads } = await bindLibphp(library, placed, symbolsLoadedBefore([addon]));
      return { calls, loads };
    } catch (error) {
      unbound = `binding it failed: ${(error as Error).message}`;
    }
  }
  rmSync(placed, { force: true });
  if (name !== basename(library)) symlinkSync(library, placed);
  return { unbound };
}

/** For the build's one line of output: what the addon loads. */
export function describeLibphp(build: AddonBuild): string {
  return 'unbound' in build.libphp
    ? `loads ${build.library} as it is (${build.libphp.unbound})`
    : `loads a bound copy of it (${build.libphp.calls} calls, ${build.libphp.loads} address loads)`;
}

function sonameOf(library: string): string | undefined {
  try {
    const soname = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(
      execFileSync('readelf', ['-d', library], { encoding: 'utf8' }),
    )?.[1];
    return soname && !soname.includes('/') ? soname : undefined;
  } catch {
    return undefined; // no readelf: the rpath to the library's directory still applies
  }
}

/**
 * The addon's sources: every .cc under native/ (each capability has its folder) but the worker proxy's. The zygote's
 * come last: its constructor runs before Node's main and needs the constructors of every other file to have run,
 * and a library runs them in link order.
 */
function sourceFiles(dir: string): string[] {
  const inFolder = (folder: string) => (file: string) => relative(dir, file).startsWith(`${folder}/`);
  const all = readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.cc'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !inFolder(PROXY_DIR)(file))
    .sort();
  return [...all.filter((file) => !inFolder('zygote')(file)), ...all.filter(inFolder('zygote'))];
}

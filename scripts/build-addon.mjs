#!/usr/bin/env node
// Builds native/build/ephpm.node against the system libphp, fully offline:
// Node-API headers come from npm packages, PHP headers from php-config.
// Compiler output is shown only when the build fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const phpConfig = process.env.EPHPM_PHP_CONFIG ?? 'php-config8.2';

function fail(message) {
  console.error(`ephpm: addon build failed: ${message}`);
  process.exit(1);
}

function phpConfigValue(flag) {
  try {
    return execFileSync(phpConfig, [flag], { encoding: 'utf8' }).trim();
  } catch {
    fail(`${phpConfig} not found. Install the PHP headers and the embed SAPI:\n  sudo apt-get install -y php8.2-dev libphp8.2-embed`);
  }
}

const nodeApiIncludes = require('node-api-headers').include_dir;
const addonApiIncludes = dirname(require.resolve('node-addon-api/package.json'));
const phpIncludes = phpConfigValue('--includes').split(/\s+/).filter(Boolean);
const phpLibDir = phpConfigValue('--prefix') + '/lib';
const phpVersion = phpConfigValue('--version');

const sources = readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc')).map((f) => join(root, 'native', f));
const outDir = join(root, 'native', 'build');
mkdirSync(outDir, { recursive: true });

const args = [
  '-std=c++17', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-Wno-unused-parameter',
  '-DNAPI_VERSION=8', '-DNAPI_DISABLE_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
  `-I${nodeApiIncludes}`, `-I${addonApiIncludes}`, ...phpIncludes,
  ...sources,
  `-L${phpLibDir}`, '-lphp8.2', `-Wl,-rpath,${phpLibDir}`, '-lpthread', '-ldl',
  '-o', join(outDir, 'ephpm.node'),
];
const build = spawnSync(process.env.CXX ?? 'g++', args, { encoding: 'utf8' });
if (build.error) fail(`${build.error.message}\nInstall a C++ compiler: sudo apt-get install -y g++`);
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  fail('the compiler reported errors (above).');
}
writeFileSync(join(outDir, 'build-info.json'), JSON.stringify({ phpVersion, nodeAbi: process.versions.modules, builtAt: new Date().toISOString() }, null, 2));
console.log(`ephpm: addon built against PHP ${phpVersion}`);

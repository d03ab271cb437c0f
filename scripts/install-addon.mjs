#!/usr/bin/env node
// npm's install script, as better-sqlite3 and sharp have one: compiles the addon against the PHP found (php-config),
// offline. It never fails the install: without PHP's headers or embed library it says what to install, and
// `npx ephpm runtime:build` builds later. (npm shows this output with --foreground-scripts.)
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
if (basename(dirname(packageRoot)) !== 'node_modules') {
  // `npm ci` in a checkout of ephpm itself: `npm run build` compiles the addon, after the TypeScript.
  process.exit(0);
}
if (process.env.npm_command === 'exec') {
  // npx (`npx create-ephpm-laravel`): the scaffolder needs no addon; the app it makes installs ephpm and builds its own.
  console.log(
    'ephpm: run through npx: the native addon is built where a project installs ephpm (or by: npx ephpm runtime:build)',
  );
  process.exit(0);
}
const builder = join(packageRoot, 'dist', 'runtime', 'toolchain', 'addon-build.js');
if (!existsSync(builder)) {
  console.log(
    'ephpm: this copy of ephpm has no dist/ (it was packed without `npm run build`); the addon was not built',
  );
  process.exit(0);
}
const { buildAddon, describeLibphp } = await import(builder);
try {
  const build = await buildAddon();
  console.log(
    `ephpm: native addon built against PHP ${build.phpVersion} (${build.library}) in ${build.seconds.toFixed(1)}s; ${describeLibphp(build)}`,
  );
} catch (error) {
  console.log(`ephpm: the native addon was not built: ${error.message}`);
  console.log(`ephpm:   install: ${error.hint ?? 'PHP 8.2+ with its headers and embed SAPI, and g++'}`);
  console.log('ephpm:   then build it: npx ephpm runtime:build');
}

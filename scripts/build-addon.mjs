#!/usr/bin/env node
// npm run build:addon (after build:ts): the same build as `ephpm runtime:build`.
import { buildAddon, describeLibphp } from '../dist/runtime/toolchain/addon-build.js';

try {
  const build = await buildAddon();
  console.log(`ephpm: addon built against PHP ${build.phpVersion} (${build.library}); ${describeLibphp(build)}`);
} catch (error) {
  console.error(`ephpm: addon build failed: ${error.message}${error.hint ? `\n  try: ${error.hint}` : ''}`);
  process.exit(1);
}

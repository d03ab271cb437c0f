#!/usr/bin/env node
// npm run build:addon (after build:ts): the same build as `ephpm runtime:build`.
import { buildAddon } from '../dist/runtime/toolchain/addon-build.js';

try {
  const { phpVersion, library } = await buildAddon();
  console.log(`ephpm: addon built against PHP ${phpVersion} (${library})`);
} catch (error) {
  console.error(`ephpm: addon build failed: ${error.message}${error.hint ? `\n  try: ${error.hint}` : ''}`);
  process.exit(1);
}

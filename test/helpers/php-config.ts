import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './ephpm-server.js';

export interface StandInPhp {
  /** The php-config script. */
  phpConfig: string;
  /** Its directory (to put on PATH). */
  bin: string;
  prefix: string;
}

/**
 * A php-config that describes a PHP which is not installed here (another version, its own prefix): what discovery
 * and `runtime:build --print` read from it. `library` is created under <prefix>/lib unless null.
 */
export function standInPhpConfig(options: {
  version: string;
  name?: string;
  sapis?: string;
  library?: string | null;
  dir?: string;
}): StandInPhp {
  const root = options.dir ?? tempDir('ephpm-php-');
  const bin = join(root, 'bin');
  const prefix = join(root, `php-${options.version}`);
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(prefix, 'lib'), { recursive: true });
  const includeDir = join(prefix, 'include', 'php');
  const sapis = options.sapis ?? 'cli embed';
  const answers: Record<string, string> = {
    '--version': options.version,
    '--prefix': prefix,
    '--includes': ['', '/main', '/TSRM', '/Zend', '/ext'].map((sub) => `-I${includeDir}${sub}`).join(' '),
    '--php-sapis': sapis,
    '--configure-options': `--prefix=${prefix}${sapis.includes('embed') ? ' --enable-embed' : ''}`,
  };
  const cases = Object.entries(answers)
    .map(([flag, answer]) => `  ${flag}) echo '${answer}' ;;`)
    .join('\n');
  const phpConfig = join(bin, options.name ?? 'php-config');
  writeFileSync(phpConfig, `#!/bin/sh\ncase "$1" in\n${cases}\n  *) echo "Usage: $0 [OPTION]"; exit 1 ;;\nesac\n`);
  chmodSync(phpConfig, 0o755);
  const library = options.library === undefined ? 'libphp.so' : options.library;
  if (library) writeFileSync(join(prefix, 'lib', library), '');
  return { phpConfig, bin, prefix };
}

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EphpmError } from '../errors.js';
import { installHeadersHint, installLibphpHint, phpMinorForHints } from './php-config.js';

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * Lookup order: $EPHPM_ADDON (a path to an ephpm.node), then
 * native/build/ephpm.node inside this package.
 */
export function addonPath(): string {
  return process.env.EPHPM_ADDON ?? join(packageRoot, 'native', 'build', 'ephpm.node');
}

/** The worker proxy program (native/worker-proxy/), built beside the addon. */
export const PROXY_PROGRAM = 'ephpm-worker-proxy';

export function proxyProgramPath(): string {
  return join(dirname(addonPath()), PROXY_PROGRAM);
}

let loaded: object | null = null;

/**
 * The one place the binary is loaded, once per process, on first use: each capability reaches it through its own
 * typed face (php-face.ts, tables-face.ts, tasks-face.ts, cluster-face.ts, process-face.ts).
 */
export function loadedAddon<Face extends object>(): Face {
  loaded ??= requireAddon(addonPath());
  return loaded as Face;
}

function requireAddon(path: string): object {
  if (!existsSync(path)) {
    throw new EphpmError(
      'EPHPM_ADDON_MISSING',
      `The ephpm native addon is not built (looked for ${path}).`,
      `Build it against your installed PHP: npx ephpm runtime:build  (it needs: ${installHeadersHint(phpMinorForHints())})`,
    );
  }
  try {
    return createRequire(import.meta.url)(path) as object;
  } catch (error) {
    const message = (error as Error).message;
    const library = /(libphp[^:\s]*): cannot open shared object file/.exec(message)?.[1];
    if (library) {
      const minor = /^libphp(\d+\.\d+)\.so/.exec(library)?.[1] ?? phpMinorForHints();
      throw new EphpmError(
        'EPHPM_LIBPHP_MISSING',
        `PHP's embed library ${library} is not installed, so the embedded PHP runtime cannot load.`,
        `Install it: ${installLibphpHint(minor)}`,
      );
    }
    throw new EphpmError(
      'EPHPM_ADDON_BROKEN',
      `The ephpm native addon at ${path} failed to load: ${message}`,
      'Rebuild it: npx ephpm runtime:build',
    );
  }
}

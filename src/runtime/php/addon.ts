import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EphpmError } from '../errors.js';

/**
 * `headers` is "Name\nvalue\nName\nvalue" (empty when there are none).
 * `data` is a latin1 string (exact bytes) when small, a Buffer otherwise.
 */
export type EventCallback = (kind: number, id: number, status: number, last: boolean, headers: string, data: Payload) => void;

export type Payload = string | Buffer;

/** The raw surface of the addon (native/node/). */
export interface PhpAddon {
  start(options: { script: string; ini: string; stackSize: number; documentRoot: string; statusTexts: Record<string, string> }, onEvent: EventCallback): void;
  /** `head`: "method\nuri\nprotocol\nscheme\nremoteAddr\nserverAddr\nName\nvalue..." */
  dispatch(
    id: number, head: string, remotePort: number, serverPort: number,
    body: Buffer | null, bodyFile: string | null, bodySize: number, requestTime: number,
    directSocket: number, keepAliveSeconds: number,
    /** 0 none, 1 urlencoded, 2 multipart; `form`: [isFile, name, value, type, path, size, error] per part. */
    postForm: number, form: Array<string | number> | null,
  ): void;
  /** Registers a dup of Node's socket descriptor that PHP may write complete responses to: its id, or -1. */
  adoptSocket(fd: number): number;
  releaseSocket(directSocket: number): void;
  /** true: Node may answer request `id` itself; false: PHP already took it. */
  answerInstead(directSocket: number, id: number): boolean;
  closeAfterwards(directSocket: number): void;
  wake(): void;
  drained(bytes: number): void;
  stop(): void;
  buildInfo(): { phpVersion: string; zendApi: number; libphp?: string };
}

export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const INSTALL_LIBPHP = 'sudo apt-get install -y libphp8.2-embed';

/**
 * Lookup order: $EPHPM_ADDON (a path to an ephpm.node), then
 * native/build/ephpm.node inside this package.
 */
export function addonPath(): string {
  return process.env.EPHPM_ADDON ?? join(packageRoot, 'native', 'build', 'ephpm.node');
}

export function loadPhpAddon(path = addonPath()): PhpAddon {
  if (!existsSync(path)) {
    throw new EphpmError(
      'EPHPM_ADDON_MISSING',
      `The ephpm native addon is not built (looked for ${path}).`,
      'Build it against your installed PHP: npm run build:addon  (it needs: sudo apt-get install -y php8.2-dev libphp8.2-embed)',
    );
  }
  try {
    return createRequire(import.meta.url)(path) as PhpAddon;
  } catch (error) {
    const message = (error as Error).message;
    const library = /(libphp[^:\s]*): cannot open shared object file/.exec(message)?.[1];
    if (library) {
      throw new EphpmError(
        'EPHPM_LIBPHP_MISSING',
        `PHP's embed library ${library} is not installed, so the embedded PHP runtime cannot load.`,
        `Install it: ${INSTALL_LIBPHP}`,
      );
    }
    throw new EphpmError('EPHPM_ADDON_BROKEN', `The ephpm native addon at ${path} failed to load: ${message}`, 'Rebuild it: npm run build:addon');
  }
}

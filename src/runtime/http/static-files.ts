import send from '@fastify/send';
import { existsSync, realpathSync } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import type { DeclaredLink } from '../laravel/octane-settings.js';

const NEVER_STATIC = new Set(['.php', '.phtml', '.phar']);
const CACHE_MS = 1000;
const CACHE_LIMIT = 10_000;

/** A file to serve, and the directory it is served from (public/, or the target of a declared link). */
interface Found {
  file: string;
  base: string;
}

/**
 * Serves files from the app's public directory. Never serves PHP sources,
 * dotfiles, or anything that resolves (through symlinks too) outside public/,
 * except the files inside the target of a symlink the app declares
 * (Laravel's `filesystems.links`, which `php artisan storage:link` makes);
 * such requests go to PHP like any other.
 */
export class StaticFiles {
  private readonly root: string;
  private readonly links: DeclaredLink[];
  private readonly lookups = new Map<string, { found: Found | null; at: number }>();

  constructor(publicDir: string, declaredLinks: readonly DeclaredLink[] = []) {
    this.root = realpathSync(publicDir);
    this.links = declaredLinks
      .map(({ link, target }) => ({ link: withRealParent(link), target: resolve(target) }))
      .filter(({ link }) => link.startsWith(this.root + sep));
  }

  /** true if the request was answered with a file. */
  async tryServe(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const found = await this.resolve(path);
    if (!found) return false;
    const { statusCode, headers, stream } = await send(request, encodedPath(found.file.slice(found.base.length)), {
      root: found.base,
      dotfiles: 'deny',
      index: false,
    });
    response.writeHead(statusCode, headers as Record<string, string>);
    stream.pipe(response);
    return true;
  }

  private async resolve(path: string): Promise<Found | null> {
    const cached = this.lookups.get(path);
    const now = Date.now();
    if (cached && now - cached.at < CACHE_MS) return cached.found;
    const found = await this.lookup(path);
    if (this.lookups.size >= CACHE_LIMIT) this.lookups.clear();
    this.lookups.set(path, { found, at: now });
    return found;
  }

  private async lookup(path: string): Promise<Found | null> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || decoded.endsWith('/')) return null;
    const segments = decoded.split(/[\\/]+/).filter(Boolean);
    if (segments.length === 0 || segments.some((s) => s.startsWith('.'))) return null;
    if (NEVER_STATIC.has(extname(decoded).toLowerCase())) return null;
    try {
      const requested = join(this.root, ...segments);
      const real = await realpath(requested);
      const base = real.startsWith(this.root + sep) ? this.root : await this.declaredLinkTarget(requested, real);
      if (base === null) return null;
      if (
        real
          .slice(base.length + 1)
          .split(sep)
          .some((s) => s.startsWith('.'))
      )
        return null;
      if (NEVER_STATIC.has(extname(real).toLowerCase())) return null;
      return (await stat(real)).isFile() ? { file: real, base } : null;
    } catch {
      return null;
    }
  }

  /**
   * The real target of the declared link `requested` goes through, if `real` lies inside it (a link replaced by one
   * to somewhere else serves nothing from there); else null.
   */
  private async declaredLinkTarget(requested: string, real: string): Promise<string | null> {
    const through = this.links.find(({ link }) => requested === link || requested.startsWith(link + sep));
    if (!through) return null;
    const target = await realpath(through.target);
    if (real === target) return dirname(target); // a link to a single file
    return real.startsWith(target + sep) ? target : null;
  }
}

/**
 * The file's path as `send` takes it: `send` percent-decodes what it is given, and the request's path was decoded
 * once already (as nginx decodes it), so each name is encoded again: a file named `p%41.txt` stays that file.
 */
function encodedPath(relative: string): string {
  return relative.split(sep).map(encodeURIComponent).join('/');
}

/** `path` with its parent directory's real path, the link itself left unresolved (as a request's path reaches it). */
function withRealParent(path: string): string {
  const parent = dirname(resolve(path));
  return existsSync(parent) ? join(realpathSync(parent), basename(path)) : resolve(path);
}

import { existsSync, realpathSync } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import type { DeclaredLink } from '../laravel/octane-settings.js';
import type { CompressionSettings } from './compression/compression-settings.js';
import { createEncoder } from './compression/encoders.js';
import { negotiateCoding, type Coding } from './compression/negotiation.js';
import { precompressedSiblings, siblingPath } from './compression/precompressed.js';
import { loadSend } from './on-first-use.js';
import {
  compressible,
  requestCompression,
  varyWithAcceptEncoding,
  type ResponseFacts,
} from './compression/response-rules.js';

const NEVER_STATIC = new Set(['.php', '.phtml', '.phar']);
const CACHE_MS = 1000;
const CACHE_LIMIT = 10_000;
/** Vite's build output: its file names carry a hash of their content, so a name never holds other bytes. */
const HASHED_ASSETS = `${sep}build${sep}assets${sep}`;
const IMMUTABLE_MAX_AGE_MS = 31_536_000 * 1000;

/**
 * A file to serve, the directory it is served from (public/, or the target of a declared link), and the codings it
 * has a precompressed sibling for (none looked for with compression off).
 */
interface Found {
  file: string;
  base: string;
  siblings: Coding[];
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

  constructor(
    publicDir: string,
    declaredLinks: readonly DeclaredLink[] = [],
    private readonly compression: CompressionSettings | null = null,
  ) {
    this.root = realpathSync(publicDir);
    this.links = declaredLinks
      .map(({ link, target }) => ({ link: withRealParent(link), target: resolve(target) }))
      .filter(({ link }) => link.startsWith(this.root + sep));
  }

  /** As tryServe(); a file that fails midway is logged and answered 500 if nothing was sent yet (0 bytes). */
  async serve(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    extraHeaders: Record<string, string>,
    logError: (message: string) => void,
  ): Promise<number> {
    try {
      return await this.tryServe(request, response, path, extraHeaders);
    } catch (error) {
      logError(`static file ${path} failed: ${(error as Error).message}`);
      if (!response.headersSent)
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', ...extraHeaders });
      response.end();
      return 0;
    }
  }

  /**
   * The body bytes of the file the request was answered with (the identity's, for a compressed one; 0 for HEAD or
   * 304), or -1: no file, the request goes on to PHP.
   */
  async tryServe(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<number> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return -1;
    const found = await this.resolve(path);
    if (!found) return -1;
    const compression = requestCompression(this.compression, request);
    // A precompressed sibling the client accepts is sent as it is (Range requests get the file itself).
    const sibling =
      compression && found.siblings.length > 0
        ? negotiateCoding(request.headers['accept-encoding'], found.siblings)
        : null;
    const served = sibling ? siblingPath(found.file, sibling) : found.file;
    const immutable = found.file.slice(found.base.length).startsWith(HASHED_ASSETS);
    const { statusCode, headers, stream } = await loadSend()(request, encodedPath(served.slice(found.base.length)), {
      root: found.base,
      dotfiles: 'deny',
      index: false,
      contentType: !sibling,
      ...(immutable ? { maxAge: IMMUTABLE_MAX_AGE_MS, immutable: true } : {}),
    });
    const fields = { ...extraHeaders, ...(headers as Record<string, string>) };
    const length = Number(fields['Content-Length'] ?? 0);
    let coding: Coding | null = null;
    if (sibling) {
      const type = typeOf(found.file);
      if (type) fields['Content-Type'] = type;
      if (statusCode === 200) fields['Content-Encoding'] = sibling;
      fields.Vary = varyWithAcceptEncoding(fields.Vary);
    } else if (compression && statusCode === 200 && compressible(compression, staticFacts(fields, length))) {
      // Compressed as it is sent: no sibling the client accepts.
      fields.Vary = varyWithAcceptEncoding(fields.Vary);
      coding = compression.coding;
      if (coding) {
        delete fields['Content-Length'];
        fields['Content-Encoding'] = coding;
      }
    } else if (compression && found.siblings.length > 0) {
      fields.Vary = varyWithAcceptEncoding(fields.Vary);
    }
    response.writeHead(statusCode, fields);
    if (coding) pipeline(stream, createEncoder(coding), response, () => undefined);
    else stream.pipe(response);
    return request.method === 'HEAD' || statusCode === 304 ? 0 : length;
  }

  /**
   * Whether the request goes to PHP without looking for a file: it is not a GET or HEAD, or its path was looked up
   * within the last second and found nothing (every request to an app route, after the first). Spares the request
   * the asynchronous lookup's turns of the event loop.
   */
  surelyNotStatic(method: string | undefined, path: string): boolean {
    if (method !== 'GET' && method !== 'HEAD') return true;
    return this.recentLookup(path, Date.now()) === null;
  }

  /** What the lookup of `path` found if it ran within CACHE_MS (null: no file), else undefined. */
  private recentLookup(path: string, now: number): Found | null | undefined {
    const cached = this.lookups.get(path);
    return cached && now - cached.at < CACHE_MS ? cached.found : undefined;
  }

  private async resolve(path: string): Promise<Found | null> {
    const now = Date.now();
    const recent = this.recentLookup(path, now);
    if (recent !== undefined) return recent;
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
      if (!(await stat(real)).isFile()) return null;
      return { file: real, base, siblings: this.compression ? await precompressedSiblings(real, base) : [] };
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

function staticFacts(fields: Record<string, string>, length: number): ResponseFacts {
  return {
    status: 200,
    contentType: fields['Content-Type'],
    contentEncoding: undefined,
    cacheControl: undefined,
    contentRange: undefined,
    bodyBytes: length,
  };
}

/** The Content-Type `send` gives a file (by its extension), for its precompressed sibling. */
function typeOf(file: string): string | undefined {
  const send = loadSend();
  const type = send.mime.getType(file);
  if (!type) return undefined;
  return send.isUtf8MimeType(type) ? `${type}; charset=utf-8` : type;
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

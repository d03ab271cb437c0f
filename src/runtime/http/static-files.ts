import send from '@fastify/send';
import { realpathSync } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const NEVER_STATIC = new Set(['.php', '.phtml', '.phar']);
const CACHE_MS = 1000;
const CACHE_LIMIT = 10_000;

/**
 * Serves files from the app's public directory. Never serves PHP sources,
 * dotfiles, or anything that resolves (through symlinks too) outside public/;
 * such requests go to PHP like any other.
 */
export class StaticFiles {
  private readonly root: string;
  private readonly lookups = new Map<string, { file: string | null; at: number }>();

  constructor(publicDir: string) {
    this.root = realpathSync(publicDir);
  }

  /** true if the request was answered with a file. */
  async tryServe(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const file = await this.resolve(path);
    if (!file) return false;
    const { statusCode, headers, stream } = await send(request, file.slice(this.root.length), {
      root: this.root,
      dotfiles: 'deny',
      index: false,
    });
    response.writeHead(statusCode, headers as Record<string, string>);
    stream.pipe(response);
    return true;
  }

  private async resolve(path: string): Promise<string | null> {
    const cached = this.lookups.get(path);
    const now = Date.now();
    if (cached && now - cached.at < CACHE_MS) return cached.file;
    const file = await this.lookup(path);
    if (this.lookups.size >= CACHE_LIMIT) this.lookups.clear();
    this.lookups.set(path, { file, at: now });
    return file;
  }

  private async lookup(path: string): Promise<string | null> {
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
      const real = await realpath(join(this.root, ...segments));
      if (!real.startsWith(this.root + sep)) return null;
      if (real.slice(this.root.length + 1).split(sep).some((s) => s.startsWith('.'))) return null;
      if (NEVER_STATIC.has(extname(real).toLowerCase())) return null;
      return (await stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }
}

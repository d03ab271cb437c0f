import type { Stats } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * Never watched: dependencies (a change there comes with a composer.lock change), what Laravel
 * writes while it serves (storage/), version control data and ephpm's own state.
 */
const IGNORED_AT_ROOT = new Set(['vendor', 'storage', '.ephpm']);
const IGNORED_ANYWHERE = new Set(['node_modules', '.git']);
/** Swap, backup and lock files editors write beside the file being edited (vim, emacs). */
const isEditorLeftover = picomatch(['**/*.swp', '**/*.swx', '**/*~', '**/.#*', '**/4913'], { dot: true });

interface WatchEntry {
  /** The directory (or file) to look in, relative to the root; '' is the root itself. */
  base: string;
  matches(path: string): boolean;
}

export interface WatchScopeOptions {
  root: string;
  /** Paths and globs relative to the root. */
  watch: string[];
  ignore: string[];
  /** Absolute paths always watched, inside the root or not (the worker script). */
  files: string[];
  /** Absolute paths never watched (the state file, the control socket). */
  excluded: string[];
  /** ephpm.toml: watched (its changes are reported) but not listed with what restarts the workers. */
  configFile?: string;
}

/** Which files `ephpm dev` watches: the configured paths and globs, minus everything ignored. */
export class WatchScope {
  private readonly root: string;
  private readonly entries: WatchEntry[];
  private readonly files: Set<string>;
  private readonly isIgnoredByUser: (path: string) => boolean;

  constructor(private readonly options: WatchScopeOptions) {
    this.root = options.root;
    this.entries = options.watch.map(entry);
    this.files = new Set(options.configFile ? [...options.files, options.configFile] : options.files);
    this.isIgnoredByUser = options.ignore.length > 0 ? picomatch(options.ignore, { dot: true }) : () => false;
  }

  /** What to hand the watcher: the root (so paths that do not exist yet are seen when they appear) and files outside it. */
  roots(): string[] {
    return [this.root, ...[...this.files].filter((file) => this.relativePath(file) === null)];
  }

  /** What to print: the configured entries and the always-watched files. */
  describe(): string[] {
    const files = [...this.files]
      .filter((file) => file !== this.options.configFile)
      .map((file) => this.display(file))
      .filter((file) => !this.options.watch.includes(file));
    return [...this.options.watch, ...files];
  }

  /** Whether a change to this file restarts the workers. */
  isWatched(path: string): boolean {
    if (this.files.has(path)) return true;
    const rel = this.relativePath(path);
    if (rel === null || rel === '' || this.isExcluded(path, rel)) return false;
    return this.entries.some((watched) => watched.matches(rel));
  }

  /**
   * For the watcher's `ignored` option: true prunes a path, and a pruned directory is never
   * read. Directories on the way to a watched entry are kept; files are decided by isWatched.
   */
  isPruned(path: string, stats?: Stats): boolean {
    if (this.files.has(path)) return false;
    const rel = this.relativePath(path);
    if (rel === null) return true;
    if (rel === '') return false;
    if (this.isExcluded(path, rel)) return true;
    if (stats && !stats.isDirectory()) return !this.isWatched(path);
    return !this.entries.some((watched) => isInside(rel, watched.base) || isInside(watched.base, rel));
  }

  /** The path as the user knows it: relative to the root, or absolute when outside it. */
  display(path: string): string {
    return this.relativePath(path) ?? path;
  }

  private relativePath(path: string): string | null {
    const rel = relative(this.root, path);
    if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
    return rel.split(sep).join('/');
  }

  private isExcluded(path: string, rel: string): boolean {
    const segments = rel.split('/');
    if (IGNORED_AT_ROOT.has(segments[0]!) || segments.some((segment) => IGNORED_ANYWHERE.has(segment))) return true;
    if (isEditorLeftover(rel)) return true;
    // The state file is replaced through a temporary file beside it (`server.json.<pid>.tmp`).
    if (this.options.excluded.some((file) => path === file || (path.startsWith(`${file}.`) && path.endsWith('.tmp'))))
      return true;
    return segments.some((_, i) => this.isIgnoredByUser(segments.slice(0, i + 1).join('/')));
  }
}

function entry(pattern: string): WatchEntry {
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) {
    const base = pattern === '.' ? '' : pattern;
    return { base, matches: (path) => isInside(path, base) };
  }
  const matches = picomatch(pattern, { dot: true });
  return { base: scan.base, matches };
}

/** `path` is `dir` or lies below it ('' is the root, above everything). */
function isInside(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const TOP = ['src', 'native', 'test', 'bench', 'scripts', 'composer-package', 'stubs', 'docs'];
/** Where a short name like `http/http-front.ts` or `tables/shared_table.cc` may live. */
const SHORT_NAME_ROOTS = ['src/runtime', 'native', 'src'];
/** Files of the user's app (a Laravel app's folders), not of this repository. */
const APP_FOLDERS = [
  'app/',
  'bootstrap/',
  'config/',
  'database/',
  'public/',
  'resources/',
  'routes/',
  'storage/',
  'vendor/',
];
const generated = readFileSync(join(repo, '.gitignore'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.replace(/^\//, ''));

/** Every `path` in backticks that names a file of this repository (brace lists checked by their first entry). */
function pathsIn(file: string): string[] {
  const text = readFileSync(join(repo, file), 'utf8');
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!.replace(/\{([^,}]+)[^}]*\}/, '$1').replace(/\/\*.*$/, ''))
    .filter((p) => /^[\w.-]+\/[\w./-]*[\w-]$/.test(p) || TOP.some((top) => p.startsWith(`${top}/`)))
    .filter((p) => ![...generated, ...APP_FOLDERS].some((ignored) => p.startsWith(ignored)));
}

function exists(path: string): boolean {
  if (TOP.some((top) => path.startsWith(`${top}/`))) return existsSync(join(repo, path));
  if (!/\.(ts|cc|h|php)$/.test(path)) return true; // not a source file's name (a URL path, a MIME type…)
  return SHORT_NAME_ROOTS.some((root) => existsSync(join(repo, root, path)));
}

describe('the docs', () => {
  it.each(['docs/ARCHITECTURE.md', 'README.md', 'bench/README.md'])('%s names only files that exist', (file) => {
    expect(pathsIn(file).filter((path) => !exists(path))).toEqual([]);
  });
});

import { realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import type { Coding } from './negotiation.js';

/** The precompressed siblings a static file may have (`app.js.br` beside `app.js`), as build tools write them. */
const SUFFIXES: ReadonlyArray<readonly [Coding, string]> = [
  ['br', '.br'],
  ['zstd', '.zst'],
  ['gzip', '.gz'],
];

/** The codings `file` has a sibling for: a regular file whose real path stays inside `base`, as the file's does. */
export async function precompressedSiblings(file: string, base: string): Promise<Coding[]> {
  const found = await Promise.all(
    SUFFIXES.map(async ([coding, suffix]) => ((await isFileInside(file + suffix, base)) ? coding : null)),
  );
  return found.filter((coding): coding is Coding => coding !== null);
}

export function siblingPath(file: string, coding: Coding): string {
  return file + SUFFIXES.find(([c]) => c === coding)![1];
}

async function isFileInside(path: string, base: string): Promise<boolean> {
  try {
    return (await realpath(path)).startsWith(base + sep) && (await stat(path)).isFile();
  } catch {
    return false;
  }
}

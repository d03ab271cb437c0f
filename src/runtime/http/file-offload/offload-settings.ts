// `file_offload` and `offload_dirs`: whether Node sends the files PHP names, and from where an app's X-Sendfile /
// X-Accel-Redirect may name one (docs/ARCHITECTURE.md, "File offload").
import { resolve } from 'node:path';
import { bad, boolSetting } from '../../config/values.js';

export interface FileOffloadOptions {
  fileOffload?: boolean;
  /** Comma-separated directories (--offload-dirs, EPHPM_OFFLOAD_DIRS); replaces `offload_dirs`. */
  offloadDirs?: string;
}

export interface FileOffloadSettings {
  /** Downloads (BinaryFileResponse), X-Sendfile and X-Accel-Redirect are sent by Node from the file; false: by PHP. */
  fileOffload: boolean;
  /** Absolute directories an app's X-Sendfile / X-Accel-Redirect file must lie in (after symlinks). */
  offloadDirs: string[];
}

export const DEFAULT_OFFLOAD_DIRS = ['storage/app'];

/** The settings from flags / EPHPM_* over `[server]` of ephpm.toml; directories relative to the app root. */
export function fileOffloadSettings(
  options: FileOffloadOptions,
  server: Record<string, unknown>,
  root: string,
): FileOffloadSettings {
  const dirs =
    options.offloadDirs !== undefined
      ? options.offloadDirs.split(',').map((dir) => dir.trim())
      : dirList(server.offload_dirs);
  if (dirs.some((dir) => dir === ''))
    throw bad('server.offload_dirs', 'a list of directories', dirs, 'For example: offload_dirs = ["storage/app"]');
  return {
    fileOffload: options.fileOffload ?? boolSetting(server.file_offload, 'server.file_offload') ?? true,
    offloadDirs: dirs.map((dir) => resolve(root, dir)),
  };
}

function dirList(value: unknown): string[] {
  if (value === undefined) return DEFAULT_OFFLOAD_DIRS;
  if (!Array.isArray(value) || value.some((dir) => typeof dir !== 'string'))
    throw bad('server.offload_dirs', 'a list of directories', value, 'For example: offload_dirs = ["storage/app"]');
  return value as string[];
}

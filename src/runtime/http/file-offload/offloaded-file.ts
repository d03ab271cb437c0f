// Which file a response of PHP's names in place of its body (docs/ARCHITECTURE.md, "File offload").
import { isAbsolute, join, resolve } from 'node:path';

/** A download the driver handed over (X-Ephpm-File): PHP's status and headers, these bytes of this file. */
export interface DriverFile {
  kind: 'driver';
  /** The real path's bytes (a file name need not be UTF-8). */
  path: Buffer;
  offset: number;
  /** -1: to the end of the file. */
  maxLength: number;
  deleteAfter: boolean;
}

/** A file the app named with X-Sendfile or X-Accel-Redirect: served with Node's own Range and ETag handling. */
export interface AppFile {
  kind: 'app';
  header: string;
  /** The header's value as the app set it, for the log. */
  value: string;
  /** Where it points before symlinks are followed (an X-Accel-Redirect URI resolved against the app root). */
  path: string;
}

export type OffloadedFile = DriverFile | AppFile;

export const DRIVER_HEADER = 'x-ephpm-file';
const APP_HEADERS = new Set(['x-sendfile', 'x-accel-redirect']);

/** What the headers of a complete response name, or a reason it names nothing (null: no such header at all). */
export type Named = { file: OffloadedFile } | { ignored: string } | null;

/**
 * Removes the offload headers from `headers` (name, value, name, value, …; they never reach the client) and says
 * which file they name. X-Ephpm-File is honoured only with this process's `token`.
 */
export function takeOffloadHeaders(headers: string[], token: string, root: string): Named {
  let driver: string | null = null;
  let app: { header: string; value: string } | null = null;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const header = headers[i]!;
    const name = header.toLowerCase();
    if (name !== DRIVER_HEADER && !APP_HEADERS.has(name)) continue;
    const value = headers[i + 1]!;
    headers.splice(i, 2);
    if (name === DRIVER_HEADER) driver = value;
    else app = { header, value };
  }
  if (driver !== null) {
    const file = driverFile(driver, token);
    if (file) return { file };
    if (!app) return { ignored: `an ${DRIVER_HEADER} header without this process's token (not set by ephpm's driver)` };
  }
  if (!app) return null;
  const path = appFilePath(app.header.toLowerCase(), Buffer.from(app.value, 'latin1').toString('utf8'), root);
  if (path === null) return { ignored: `${app.header}: ${app.value} (not a file path)` };
  return { file: { kind: 'app', header: app.header.toLowerCase(), value: app.value, path } };
}

/** `<token> <offset> <maxlen> <delete 0|1> <rawurlencoded real path>`, as composer-package/src/Http/FileOffload.php writes it. */
function driverFile(value: string, token: string): DriverFile | null {
  const parts = value.split(' ');
  if (parts.length !== 5 || parts[0] !== token) return null;
  const [, offset, maxLength, deleteAfter, path] = parts as [string, string, string, string, string];
  if (!/^\d+$/.test(offset) || !/^(-1|\d+)$/.test(maxLength) || !/^[01]$/.test(deleteAfter) || path === '') return null;
  return {
    kind: 'driver',
    path: Buffer.from(
      path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ),
    offset: Number(offset),
    maxLength: Number(maxLength),
    deleteAfter: deleteAfter === '1',
  };
}

/**
 * X-Sendfile: a path, absolute or relative to the app root. X-Accel-Redirect: a URI whose path (percent-decoded, the
 * query left out) is taken under the app root, as if the root were nginx's `root` for it.
 */
function appFilePath(header: string, value: string, root: string): string | null {
  if (value === '' || value.includes('\0')) return null;
  if (header === 'x-sendfile') return isAbsolute(value) ? resolve(value) : resolve(root, value);
  const query = value.indexOf('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(query < 0 ? value : value.slice(0, query));
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) return null;
  return join(root, decoded);
}

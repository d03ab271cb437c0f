import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, unlinkSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sep } from 'node:path';
import type { Readable } from 'node:stream';
import { loadSend } from '../on-first-use.js';
import { takeOffloadHeaders, type AppFile, type DriverFile } from './offloaded-file.js';

/** The environment variable that gives the driver this process's token (composer-package/src/Http/FileOffload.php). */
export const FILE_OFFLOAD_TOKEN_ENV = 'EPHPM_FILE_OFFLOAD_TOKEN';

/** What went to the client in the end: its status, and body bytes for the access log. */
export interface OffloadAnswer {
  status: number;
  bytes: number;
}

/**
 * A token for this worker process, put where its PHP reads it (getenv) before PHP starts; null removes it (offload off).
 */
export function giveTokenToPhp(on: boolean): string | null {
  if (!on) {
    delete process.env[FILE_OFFLOAD_TOKEN_ENV];
    return null;
  }
  const token = randomBytes(16).toString('hex');
  process.env[FILE_OFFLOAD_TOKEN_ENV] = token;
  return token;
}

/**
 * Sends the file a complete response of PHP's names in place of its body, so PHP is free as soon as it returns: a
 * download the driver handed over (X-Ephpm-File: PHP's status and headers, the bytes Symfony chose), or a file the
 * app names with X-Sendfile / X-Accel-Redirect, served only from inside `offload_dirs` (symlinks followed) with Node's
 * Range, ETag and Last-Modified. The file is read as the client takes it (back-pressure; the connection watch's
 * send_timeout applies), never whole into memory. docs/ARCHITECTURE.md, "File offload".
 */
export class FileOffload {
  constructor(
    private readonly token: string,
    private readonly root: string,
    private readonly dirs: readonly string[],
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * Takes the offload headers out of `headers` (never sent on); if they name a file, answers with it and returns
   * true, calling `done` once the response is over.
   */
  send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: string[],
    done: (answer: OffloadAnswer) => void,
  ): boolean {
    const named = takeOffloadHeaders(headers, this.token, this.root);
    if (named === null) return false;
    if ('ignored' in named) {
      this.warn(`ignored ${named.ignored} on the response to ${req.method} ${req.url}: sent as PHP made it`);
      return false;
    }
    const file = named.file;
    if (file.kind === 'driver') this.sendDriverFile(req, res, status, headers, file, done);
    else
      this.sendAppFile(req, res, headers, file, done).catch((error: unknown) => {
        this.warn(`could not send ${file.path} for ${req.method} ${req.url}: ${(error as Error).message}`);
        if (res.headersSent) res.destroy();
        done(res.headersSent ? { status: 500, bytes: 0 } : plainAnswer(res, 500, '500 Internal Server Error\n'));
      });
    return true;
  }

  private sendDriverFile(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: string[],
    file: DriverFile,
    done: (answer: OffloadAnswer) => void,
  ): void {
    let fd: number;
    let size: number;
    try {
      fd = openSync(file.path, 'r');
      size = fstatSync(fd).size;
    } catch (error) {
      this.warn(`could not send ${file.path.toString()} for ${req.method} ${req.url}: ${(error as Error).message}`);
      if (file.deleteAfter) removeQuietly(file.path);
      return done(plainAnswer(res, 500, '500 Internal Server Error: the file to send could not be opened.\n'));
    }
    // Open, it can go now: a worker that dies mid-send leaves no file behind (Symfony deletes it after sending).
    if (file.deleteAfter) removeQuietly(file.path);
    const available = Math.max(0, size - file.offset);
    const length = file.maxLength < 0 ? available : Math.min(file.maxLength, available);
    const hasBody = req.method !== 'HEAD' && length > 0;
    try {
      res.writeHead(status, [...withoutHeaders(headers, LENGTH), 'Content-Length', String(length)]);
    } catch (error) {
      closeSync(fd);
      this.warn(`PHP sent a response Node cannot send: ${(error as Error).message}`);
      return done(
        plainAnswer(res, 500, '500 Internal Server Error: the PHP worker sent an invalid response header.\n'),
      );
    }
    if (!hasBody) {
      closeSync(fd);
      res.end();
      return done({ status, bytes: 0 });
    }
    const body = createReadStream('', { fd, start: file.offset, end: file.offset + length - 1, autoClose: true });
    pipeBody(body, res, () => done({ status, bytes: length }));
  }

  private async sendAppFile(
    req: IncomingMessage,
    res: ServerResponse,
    headers: string[],
    file: AppFile,
    done: (answer: OffloadAnswer) => void,
  ): Promise<void> {
    const named = `${file.header}: ${file.value}`;
    let real: string;
    try {
      real = await realpath(file.path);
      if (!(await stat(real)).isFile()) throw new Error('not a regular file');
    } catch (error) {
      this.warn(
        `refused ${named} on ${req.method} ${req.url}: ${file.path} is not a file (${(error as Error).message})`,
      );
      return done(plainAnswer(res, 404, '404 Not Found\n', headers));
    }
    const dir = await this.dirHolding(real);
    if (dir === null) {
      this.warn(
        `refused ${named} on ${req.method} ${req.url}: ${real} is outside offload_dirs (${this.dirs.join(', ')}); not served`,
      );
      return done(plainAnswer(res, 403, '403 Forbidden\n', headers));
    }
    const relative = real.slice(dir.length).split(sep).map(encodeURIComponent).join('/');
    const sent = await loadSend()(req, relative, { root: dir, dotfiles: 'allow', index: false });
    const own = sent.headers as OutgoingHttpHeaders;
    const appType = sent.type === 'file' ? headerValue(headers, 'content-type') : undefined;
    const merged = withoutHeaders(headers, [...FRAMING, ...VALIDATORS, ...(appType ? [] : ['content-type'])]);
    for (const [name, value] of Object.entries(own)) {
      const lower = name.toLowerCase();
      if (lower === 'content-type' && appType) continue;
      if (lower === 'cache-control' && headerValue(headers, lower) !== undefined) continue;
      if (value !== undefined) merged.push(name, String(value));
    }
    try {
      res.writeHead(sent.statusCode, merged);
    } catch (error) {
      sent.stream.destroy();
      this.warn(`PHP sent a response Node cannot send: ${(error as Error).message}`);
      return done(
        plainAnswer(res, 500, '500 Internal Server Error: the PHP worker sent an invalid response header.\n'),
      );
    }
    const bytes =
      req.method === 'HEAD' || sent.statusCode === 304
        ? 0
        : Number(res.getHeader('content-length') ?? own['Content-Length'] ?? 0);
    pipeBody(sent.stream, res, () => done({ status: sent.statusCode, bytes }));
  }

  /** The real path of the offload dir `real` lies in, or null. */
  private async dirHolding(real: string): Promise<string | null> {
    for (const dir of this.dirs) {
      try {
        const realDir = await realpath(dir);
        if (real.startsWith(realDir + sep)) return realDir;
      } catch {
        // a dir that does not exist holds nothing
      }
    }
    return null;
  }
}

/** The length is Node's: that of the bytes it sends (PHP's Content-Range stays: it names those bytes). */
const LENGTH = ['content-length', 'transfer-encoding'];
/** For X-Sendfile, the framing is Node's: it answers the request's Range. */
const FRAMING = [...LENGTH, 'content-range'];
/** For X-Sendfile, Node's own: they must describe the file Node answers Range and conditional requests for. */
const VALIDATORS = ['etag', 'last-modified', 'accept-ranges'];

function withoutHeaders(headers: readonly string[], names: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.includes(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!);
  }
  return kept;
}

function headerValue(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

/** A short plain-text answer in place of the file; the app's other headers (X-Request-Id, cookies) kept, if given. */
function plainAnswer(res: ServerResponse, status: number, message: string, headers: string[] = []): OffloadAnswer {
  const kept = withoutHeaders(headers, [...FRAMING, 'content-type', 'content-disposition', ...VALIDATORS]);
  res.writeHead(status, [
    ...kept,
    'Content-Type',
    'text/plain; charset=utf-8',
    'Content-Length',
    String(message.length),
  ]);
  res.end(message);
  return { status, bytes: message.length };
}

function removeQuietly(path: Buffer): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** Pipes the file into the response as the client takes it; `done` once it ended or the connection went first. */
function pipeBody(body: Readable, res: ServerResponse, done: () => void): void {
  if (res.destroyed || !res.socket || res.socket.destroyed) {
    body.destroy(); // the client left meanwhile: its 'close' has been and gone
    return done();
  }
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    res.off('close', onClose);
    done();
  };
  const onClose = () => {
    body.destroy();
    settle();
  };
  res.once('close', onClose);
  body.once('error', () => {
    res.destroy();
    settle();
  });
  res.once('finish', settle);
  body.pipe(res);
}

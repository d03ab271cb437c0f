import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';

/** A GET whose response head has arrived and whose body the client does not read until `readAll()`. */
export interface SlowClient {
  status: number;
  headers: IncomingMessage['headers'];
  /** Reads the whole body now: its length and SHA-256 (rejects if the connection ends first, or after `timeoutMs`). */
  readAll(timeoutMs?: number): Promise<{ bytes: number; sha256: string }>;
  close(): void;
}

/**
 * Sends GET `path` on a connection of its own and resolves once the response head is in (rejects if it is not in
 * within `headTimeoutMs`); the body is left unread (Node's client stops reading the socket once its small buffer is
 * full, so the server's bytes back up).
 */
export function slowClient(url: string, path: string, headTimeoutMs = 20_000): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      clearTimeout(timer);
      res.pause();
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        readAll: (timeoutMs) => readAll(res, timeoutMs),
        close: () => req.destroy(),
      });
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no response head for GET ${path} within ${headTimeoutMs / 1000}s`)),
      headTimeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

function readAll(res: IncomingMessage, timeoutMs = 60_000): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    if (res.destroyed) return reject(new Error('the connection ended after 0 bytes of the body (before it was read)'));
    const timer = setTimeout(
      () => reject(new Error(`the body did not end within ${timeoutMs / 1000}s (${bytes} bytes read)`)),
      timeoutMs,
    );
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    res.once('end', () => {
      clearTimeout(timer);
      resolve({ bytes, sha256: hash.digest('hex') });
    });
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.complete) reject(new Error(`the connection ended after ${bytes} bytes of the body`));
    });
    res.resume();
  });
}

/** Whether GET `path`, on a connection of its own, is answered 200 within `timeoutMs` (a bounded wait, not a timing). */
export function answeredWithin(url: string, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
      res.once('error', () => resolve(false));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Every regular file under `dir`, at any depth, relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => {
    try {
      return statSync(join(dir, path)).isFile();
    } catch {
      return false; // removed meanwhile
    }
  });
}

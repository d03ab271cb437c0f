import { close, read, rmSync, write } from 'node:fs';
import { createTempFile } from './temp-files.js';

/** Bytes read back from the file at a time: what one connection holds in memory while the client is slow. */
const READ_BYTES = 64 * 1024;

export interface SpillFileEvents {
  /** `bytes` more are on disk (and may be read back). */
  appended(bytes: number): void;
  /** A write failed: nothing more is written; `unwritten` is every byte appended and not on disk, in order. */
  failed(error: Error, unwritten: Buffer[]): void;
}

/**
 * The part of one streamed response its client has not taken yet, in a named temp file of the worker's temp dir
 * (temp-files.ts: the supervisor removes the dir of a worker that crashed): appended to as PHP produces the response,
 * read back in order as the client takes it. Writes run one at a time, off the main thread (libuv's pool); the file is
 * closed and removed only once no read or write is in flight on its descriptor, which could otherwise be reused by
 * another file meanwhile.
 */
export class SpillFile {
  /** Bytes on disk. */
  written = 0;
  /** Bytes read back (handed on to the client). */
  taken = 0;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private removed = false;
  private failed = false;

  private constructor(
    private readonly path: string,
    private fd: number,
    private readonly events: SpillFileEvents,
  ) {}

  /** A new file; throws when none can be made (the caller keeps the bytes in memory). */
  static create(events: SpillFileEvents): SpillFile {
    const { path, fd } = createTempFile('read-write');
    return new SpillFile(path, fd, events);
  }

  /** Bytes the file holds once every append is written. */
  get size(): number {
    return this.written + this.queuedBytes;
  }

  /** Bytes appended and not on disk yet. */
  get writing(): number {
    return this.queuedBytes;
  }

  append(data: Buffer): void {
    if (this.removed || this.failed) throw new Error('append to a spill file that is removed or failed');
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.queue.length === 1) this.writeHead(0);
  }

  /** Reads the next bytes not taken yet (none when everything on disk was taken: `null`). */
  readNext(done: (error: Error | null, data: Buffer | null) => void): void {
    const length = Math.min(READ_BYTES, this.written - this.taken);
    if (length <= 0 || this.removed) return done(null, null);
    const buffer = Buffer.allocUnsafe(length);
    this.inFlight++;
    read(this.fd, buffer, 0, length, this.taken, (error, bytesRead) => {
      this.inFlight--;
      if (this.removed) return this.closeWhenIdle();
      if (error) return done(error, null);
      if (bytesRead === 0)
        return done(new Error(`spill file ${this.path} ended at ${this.taken} of ${this.written} bytes`), null);
      this.taken += bytesRead;
      done(null, buffer.subarray(0, bytesRead));
    });
  }

  /** Closes and removes the file (once nothing is in flight on it); what was still to be written is dropped. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.closeWhenIdle();
  }

  private writeHead(offset: number): void {
    const data = this.queue[0];
    if (!data || this.removed) return;
    this.inFlight++;
    write(this.fd, data, offset, data.length - offset, this.written, (error, bytesWritten) => {
      this.inFlight--;
      if (this.removed) return this.closeWhenIdle();
      if (error) return this.fail(error, offset);
      this.written += bytesWritten;
      this.queuedBytes -= bytesWritten;
      this.events.appended(bytesWritten);
      if (offset + bytesWritten < data.length) return this.writeHead(offset + bytesWritten);
      this.queue.shift();
      this.writeHead(0);
    });
  }

  private fail(error: Error, offset: number): void {
    this.failed = true;
    const unwritten = this.queue;
    unwritten[0] = unwritten[0]!.subarray(offset);
    this.queue = [];
    this.queuedBytes = 0;
    this.events.failed(error, unwritten);
  }

  private closeWhenIdle(): void {
    if (this.inFlight > 0 || this.fd < 0) return;
    close(this.fd, () => undefined);
    this.fd = -1;
    rmSync(this.path, { force: true });
  }
}

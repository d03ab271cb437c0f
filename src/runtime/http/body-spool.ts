import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { EphpmError } from '../errors.js';
import { createTempFile, removeTempFiles } from './temp-files.js';

/**
 * The server could not write a request body to its temp dir (disk full, quota, I/O error): a server fault, answered
 * 507. The message goes to the client, so it names the error and not the path.
 */
export function bodyNotStored(error: unknown): EphpmError {
  const cause = (error as Error).message.split(', ')[0]; // Node's "ENOSPC: no space left on device, write"
  return new EphpmError(
    'EPHPM_BODY_NOT_STORED',
    `the server could not store the request body (${cause}).`,
    `Free space in the temp dir request bodies over body_memory_size are spooled to (${tmpdir()}, from TMPDIR).`,
  );
}

/** A request body written to a temp file as it arrives; any failure to write it rejects with EPHPM_BODY_NOT_STORED. */
export class BodySpool {
  readonly path: string;
  private readonly stream: WriteStream;
  /** An error the stream emitted while no write was waiting on it. */
  private failure: unknown = null;

  constructor() {
    let temp;
    try {
      temp = createTempFile();
    } catch (error) {
      throw bodyNotStored(error);
    }
    this.path = temp.path;
    this.stream = createWriteStream(temp.path, { fd: temp.fd });
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    if (!this.stream.write(chunk)) await this.until('drain');
  }

  /** Resolves once every byte is in the file and the file is closed. */
  async end(): Promise<void> {
    this.throwIfFailed();
    this.stream.end();
    await this.until('close');
  }

  /** Stops writing and removes the file. */
  discard(): void {
    this.stream.destroy();
    removeTempFiles([this.path]);
  }

  private throwIfFailed(): void {
    if (this.failure) throw bodyNotStored(this.failure);
  }

  private async until(event: 'drain' | 'close'): Promise<void> {
    try {
      await once(this.stream, event);
    } catch (error) {
      throw bodyNotStored(error);
    }
  }
}

/**
 * How much of its streamed responses one worker keeps for clients that read slower than PHP produces (see
 * streamed-body.ts): up to `memoryBytes` unsent per response in memory, then temp files of at most `responseBytes`
 * per response (nginx's fastcgi_max_temp_file_size) and `workerBytes` for all of the worker's responses together.
 * Past either file bound a response's bytes wait in memory and count against PHP's streaming budget, so PHP waits
 * in send_chunk() for that client, as it did before responses were spilled.
 */
export class SpillRoom {
  private used = 0;

  constructor(
    readonly memoryBytes: number,
    readonly responseBytes: number,
    readonly workerBytes: number,
    /** A temp file could not be made or written (disk full, quota, I/O error). */
    readonly diskRefused: (error: Error) => void = () => {},
  ) {}

  /** Takes room for `bytes` more in a response's file that holds (or will hold) `fileBytes`; false past either bound. */
  take(bytes: number, fileBytes: number): boolean {
    if (fileBytes + bytes > this.responseBytes || this.used + bytes > this.workerBytes) return false;
    this.used += bytes;
    return true;
  }

  /** A response's file is gone, or some of the room it took was not used. */
  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Bytes of temp files the worker's streamed responses hold (or are writing) now. */
  get usedBytes(): number {
    return this.used;
  }
}

import type { ServerResponse } from 'node:http';
import type { Payload } from '../native/php-face.js';
import { SpillFile } from './spill-file.js';
import type { SpillRoom } from './spill-room.js';

/** PHP's streaming budget (EmbeddedPhp.drained): PHP waits in send_chunk() while 4 MiB it produced are not drained. */
export interface StreamBudget {
  drained(bytes: number): void;
}

/**
 * The body of one streamed response on its way to the client, as nginx buffers a FastCGI response: written straight
 * to the response while the client keeps up (at most `room.memoryBytes` unsent per connection); past that, what PHP
 * produces next is appended to a temp file (spill-file.ts) and sent from there as the client reads, so PHP moves on
 * however slowly the client reads. A byte counts against PHP's budget only until it is in the connection's share of
 * memory or on disk. Once the client has caught up with the file, the file is removed and PHP's bytes go straight to
 * the response again, so a live stream (server-sent events) is never held back for a client that reads. Past the
 * room's bounds, or when the disk refuses, bytes wait in memory (behind the file, if any) and count against PHP's
 * budget until the socket takes them: PHP then waits for this client in send_chunk(), as before responses were
 * spilled.
 */
export class StreamedBody {
  /** Bytes PHP produced that count against its budget and were not reported drained yet. */
  private counted = 0;
  /** Bytes handed to the response that the socket has not taken yet. */
  private unsent = 0;
  private spill: SpillFile | null = null;
  /** Room taken for the current spill file. */
  private reserved = 0;
  /** Bytes behind the spill file that it could not take (its bounds, a disk error): in memory, in order. */
  private held: Payload[] = [];
  private diskRefused = false;
  private reading = false;
  private awaitingDrain = false;
  private ended = false;
  private gone = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly budget: StreamBudget,
    private readonly room: SpillRoom,
    /** False for a response without a body (HEAD, 204, 304): Node drops what is written, nothing is kept. */
    private readonly maySpill: boolean,
  ) {
    response.once('close', () => this.close());
  }

  write(data: Payload): void {
    if (this.gone || this.response.destroyed) return this.budget.drained(data.length);
    this.counted += data.length;
    if (this.spill) return this.behindFile(data);
    // What fits in the connection's share of memory goes straight to the response: PHP need not wait for it.
    const fits = this.maySpill ? Math.max(0, this.room.memoryBytes - this.unsent) : data.length;
    if (fits > 0) {
      this.send(fits < data.length ? part(data, 0, fits) : data, false);
      this.release(Math.min(fits, data.length));
      if (fits >= data.length) return;
      data = part(data, fits, data.length);
    }
    if (this.diskRefused || !this.room.take(data.length, 0)) return this.send(data, true);
    try {
      this.spill = SpillFile.create({
        appended: (bytes) => this.appended(bytes),
        failed: (error, unwritten) => this.spillFailed(error, unwritten),
      });
    } catch (error) {
      this.room.give(data.length);
      this.refuseDisk(error as Error);
      return this.send(data, true);
    }
    this.reserved = data.length;
    this.spill.append(buffer(data));
    this.pump();
  }

  /** PHP ended the stream: the response ends once every byte before is handed to the socket. */
  end(): void {
    this.ended = true;
    if (!this.spill) this.response.end();
  }

  /** While a spill file exists, everything PHP produces goes after what it holds. */
  private behindFile(data: Payload): void {
    if (this.held.length === 0 && !this.diskRefused && this.room.take(data.length, this.spill!.size)) {
      this.reserved += data.length;
      this.spill!.append(buffer(data));
    } else {
      this.held.push(data);
    }
  }

  private appended(bytes: number): void {
    this.release(bytes);
    this.pump();
  }

  private spillFailed(error: Error, unwritten: Buffer[]): void {
    this.refuseDisk(error);
    this.held.unshift(...unwritten);
    this.pump();
  }

  private refuseDisk(error: Error): void {
    this.diskRefused = true;
    this.room.diskRefused(error);
  }

  /** Sends the file on as the client takes it; once it is all sent, what waited behind it, then the end. */
  private pump(): void {
    const spill = this.spill;
    if (!spill || this.gone || this.reading || this.awaitingDrain) return;
    if (this.response.writableNeedDrain) {
      this.awaitingDrain = true;
      this.response.once('drain', () => {
        this.awaitingDrain = false;
        this.pump();
      });
      return;
    }
    if (spill.taken < spill.written) {
      this.reading = true;
      spill.readNext((error, data) => {
        this.reading = false;
        if (this.gone) return;
        if (error) return void this.response.destroy(error);
        if (data) this.send(data, false);
        this.pump();
      });
      return;
    }
    if (spill.writing > 0) return; // appended() pumps again once the next bytes are on disk
    this.removeSpill();
    for (const data of this.held.splice(0)) this.send(data, true);
    if (this.ended) this.response.end();
  }

  /** `counted`: the bytes count against PHP's budget until the socket takes them (past the spill bounds). */
  private send(data: Payload, counted: boolean): void {
    const length = data.length;
    this.unsent += length;
    const taken = () => {
      this.unsent -= length;
      if (counted) this.release(length);
    };
    if (typeof data === 'string') this.response.write(data, 'latin1', taken);
    else this.response.write(data, taken);
  }

  private release(bytes: number): void {
    const drained = Math.min(bytes, this.counted);
    if (drained <= 0) return;
    this.counted -= drained;
    this.budget.drained(drained);
  }

  private removeSpill(): void {
    if (!this.spill) return;
    this.spill.remove();
    this.spill = null;
    this.room.give(this.reserved);
    this.reserved = 0;
  }

  /** The response is done, or its client gone (it left, or was dropped for reading nothing for send_timeout). */
  private close(): void {
    if (this.gone) return;
    this.gone = true;
    this.removeSpill();
    this.held = [];
    this.release(this.counted);
  }
}

function part(data: Payload, start: number, end: number): Payload {
  return typeof data === 'string' ? data.slice(start, end) : data.subarray(start, end);
}

function buffer(data: Payload): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

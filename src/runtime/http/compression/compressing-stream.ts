import type { Payload } from '../../native/php-face.js';
import type { StreamBudget } from '../streamed-body.js';
import { createEncoder, flushKind, type Encoder } from './encoders.js';
import type { Coding } from './negotiation.js';

/** After a flush: this many compressed bytes hold every PHP byte up to `phpAt`. */
interface Mark {
  outAt: number;
  phpAt: number;
}

/**
 * A streamed PHP response compressed on its way: each chunk PHP sends is flushed through the encoder (Z_SYNC_FLUSH,
 * BROTLI_OPERATION_FLUSH, ZSTD_e_flush), so its compressed bytes reach the client at once, as an uncompressed stream's
 * would (server-sent events stay live). What comes out goes to `out` (the StreamedBody, which may spill it for a slow
 * client). PHP's streaming budget counts PHP's bytes: StreamedBody reports compressed bytes drained to
 * `compressedBudget`, and a chunk's PHP bytes are drained once every compressed byte of its flush is.
 */
export class CompressingStream {
  readonly compressedBudget: StreamBudget = { drained: (bytes) => this.compressedDrained(bytes) };
  private readonly encoder: Encoder;
  private readonly kind: number;
  private readonly marks: Mark[] = [];
  private outTotal = 0;
  private outDrained = 0;
  private phpTotal = 0;
  private phpReleased = 0;
  private gone = false;

  constructor(
    coding: Coding,
    private readonly budget: StreamBudget,
    out: (data: Buffer) => void,
    failed: (error: Error) => void,
  ) {
    this.encoder = createEncoder(coding);
    this.kind = flushKind(coding);
    this.encoder.on('data', (data: Buffer) => {
      this.outTotal += data.length;
      if (this.gone) return this.compressedDrained(data.length);
      out(data);
    });
    this.encoder.once('error', (error) => {
      if (!this.gone) failed(error);
      this.close();
    });
  }

  /** PHP's next chunk: compressed and flushed. */
  write(data: Payload): void {
    if (this.gone) return this.budget.drained(data.length);
    this.phpTotal += data.length;
    const phpAt = this.phpTotal;
    this.encoder.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    this.encoder.flush(this.kind, () => {
      // Everything pushed by now, emitted or still in the encoder's readable buffer, holds the chunk.
      this.marks.push({ outAt: this.outTotal + this.encoder.readableLength, phpAt });
      this.settle();
    });
  }

  /** PHP ended the stream: `done` once the encoder's last bytes are out. */
  end(done: () => void): void {
    if (this.gone) return;
    this.encoder.once('end', done);
    this.encoder.end();
  }

  /** The client is gone (or the response failed): whatever PHP sent is drained. */
  close(): void {
    if (this.gone) return;
    this.gone = true;
    this.encoder.destroy();
    this.release(this.phpTotal);
  }

  private compressedDrained(bytes: number): void {
    this.outDrained += bytes;
    this.settle();
  }

  private settle(): void {
    let phpAt = this.phpReleased;
    while (this.marks.length > 0 && this.marks[0]!.outAt <= this.outDrained) phpAt = this.marks.shift()!.phpAt;
    this.release(phpAt);
  }

  private release(phpAt: number): void {
    if (phpAt <= this.phpReleased) return;
    this.budget.drained(phpAt - this.phpReleased);
    this.phpReleased = phpAt;
  }
}

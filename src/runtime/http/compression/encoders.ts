import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import type { Coding } from './negotiation.js';

/** A compressing stream that can be flushed mid-stream. */
export type Encoder = Transform & Pick<zlib.Zlib, 'flush'>;

/** zstd where this Node's zlib has it (Node 22.15 and 23.8 on): what a newer Node adds, read without its types. */
interface ZstdZlib {
  createZstdCompress(options: { params: Record<number, number> }): Encoder;
  zstdCompressSync(data: Buffer, options: { params: Record<number, number> }): Buffer;
  constants: { ZSTD_c_compressionLevel: number; ZSTD_e_flush: number };
}
const zstd = zlib as unknown as Partial<ZstdZlib>;
export const hasZstd = typeof zstd.createZstdCompress === 'function';

// Levels for responses made per request, where the CPU is paid on every one: brotli 4 (as @fastify/compress)
// compresses HTML better than gzip 6 at about gzip's cost; gzip 6 is zlib's and nginx-with-gzip's usual;
// zstd 3 is its own default. bench/compression.mjs measures them on the Laravel app's /blade.
const BROTLI_QUALITY = 4;
const GZIP_LEVEL = 6;
const ZSTD_LEVEL = 3;

function brotliOptions(size?: number): zlib.BrotliOptions {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
  };
  if (size !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
  return { params };
}

function zstdParams(): { params: Record<number, number> } {
  return { params: { [zstd.constants!.ZSTD_c_compressionLevel]: ZSTD_LEVEL } };
}

/** A whole body at once, on the calling thread (bodies small enough that a trip to libuv's pool costs more). */
export function compressSync(coding: Coding, data: Buffer): Buffer {
  if (coding === 'br') return zlib.brotliCompressSync(data, brotliOptions(data.length));
  if (coding === 'gzip') return zlib.gzipSync(data, { level: GZIP_LEVEL });
  return zstd.zstdCompressSync!(data, zstdParams());
}

/** A whole body at once, off the main thread (libuv's pool). */
export function compressAsync(coding: Coding, data: Buffer, done: (error: Error | null, result: Buffer) => void): void {
  if (coding === 'br') return zlib.brotliCompress(data, brotliOptions(data.length), done);
  if (coding === 'gzip') return zlib.gzip(data, { level: GZIP_LEVEL }, done);
  // No callback form of zstd is needed elsewhere: it runs on the calling thread here.
  let result: Buffer;
  try {
    result = compressSync(coding, data);
  } catch (error) {
    return done(error as Error, Buffer.alloc(0));
  }
  done(null, result);
}

/** A compressing stream (a file, a streamed response). */
export function createEncoder(coding: Coding): Encoder {
  if (coding === 'br') return zlib.createBrotliCompress(brotliOptions());
  if (coding === 'gzip') return zlib.createGzip({ level: GZIP_LEVEL });
  return zstd.createZstdCompress!(zstdParams());
}

/** The flush that makes an encoder give out everything it was given so far, the stream staying open. */
export function flushKind(coding: Coding): number {
  if (coding === 'br') return zlib.constants.BROTLI_OPERATION_FLUSH;
  if (coding === 'gzip') return zlib.constants.Z_SYNC_FLUSH;
  return zstd.constants!.ZSTD_e_flush;
}

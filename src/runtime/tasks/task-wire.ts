// The task socket protocol (native/task_wire.h is the other half):
// u32 LE payload length | u8 type | u32 LE id | payload.

import { FrameType } from '../native/tasks-face.js';

export { FrameType };

const HEADER_BYTES = 9;

export interface Frame {
  type: FrameType;
  id: number;
  payload: Buffer;
}

export function encodeFrame(type: FrameType, id: number, payload: Buffer = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt8(type, 4);
  frame.writeUInt32LE(id, 5);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

const EMPTY = Buffer.alloc(0);

/** Collects bytes from a socket and yields every complete frame (payloads are views: copy to keep). */
export class FrameReader {
  // Chunks of an incomplete frame are joined only once it is complete, so a
  // large frame is copied once, not once per chunk.
  private chunks: Buffer[] = [];
  private buffered = 0;

  *push(chunk: Buffer): Generator<Frame> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= HEADER_BYTES) {
      const head = this.chunks[0]!.length >= HEADER_BYTES ? this.chunks[0]! : this.join();
      const total = HEADER_BYTES + head.readUInt32LE(0);
      if (this.buffered < total) return;
      const data = this.chunks.length === 1 ? this.chunks[0]! : this.join();
      yield {
        type: data.readUInt8(4) as FrameType,
        id: data.readUInt32LE(5),
        payload: data.subarray(HEADER_BYTES, total),
      };
      const rest = data.subarray(total);
      this.chunks = rest.length === 0 ? [] : [rest];
      this.buffered = rest.length;
    }
  }

  private join(): Buffer {
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }
}

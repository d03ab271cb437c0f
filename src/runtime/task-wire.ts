// The task socket protocol (native/task_wire.h is the other half):
// u32 LE payload length | u8 type | u32 LE id | payload.

export const enum FrameType {
  Task = 1,
  TaskNoReply = 2,
  ResultOk = 16,
  ResultFailed = 17,
  QueueFull = 18,
  Gone = 19,
  Draining = 20,
}

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

/** Collects bytes from a socket and yields every complete frame. */
export class FrameReader {
  private pending: Buffer = EMPTY;

  *push(chunk: Buffer): Generator<Frame> {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (data.length >= HEADER_BYTES) {
      const size = data.readUInt32LE(0);
      if (data.length < HEADER_BYTES + size) break;
      yield { type: data.readUInt8(4) as FrameType, id: data.readUInt32LE(5), payload: data.subarray(HEADER_BYTES, HEADER_BYTES + size) };
      data = data.subarray(HEADER_BYTES + size);
    }
    this.pending = data.length === 0 ? EMPTY : Buffer.from(data);
  }
}

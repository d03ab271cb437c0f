import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, FrameType } from '../../src/runtime/tasks/task-wire.js';

const payloadOf = (text: string) => Buffer.from(text, 'utf8');

describe('the task frame reader', () => {
  it('reads several frames that arrive in one chunk, in order', () => {
    const chunk = Buffer.concat([
      encodeFrame(FrameType.Task, 1, payloadOf('a')),
      encodeFrame(FrameType.Accepted, 2),
      encodeFrame(FrameType.ResultOk, 3, payloadOf('ccc')),
    ]);
    const frames = [...new FrameReader().push(chunk)];
    expect(frames.map((f) => [f.type, f.id, f.payload.toString()])).toEqual([
      [FrameType.Task, 1, 'a'],
      [FrameType.Accepted, 2, ''],
      [FrameType.ResultOk, 3, 'ccc'],
    ]);
  });

  it('waits for a frame split across chunks anywhere, even inside its header, and reads it whole', () => {
    const big = Buffer.alloc(100_000, 7);
    const bytes = Buffer.concat([encodeFrame(FrameType.Task, 42, big), encodeFrame(FrameType.Gone, 43)]);
    for (const cut of [1, 5, 9, 50_000, bytes.length - 9]) {
      const reader = new FrameReader();
      const first = [...reader.push(bytes.subarray(0, cut))];
      const rest = [...reader.push(bytes.subarray(cut))];
      const frames = [...first, ...rest];
      expect(frames.map((f) => f.id)).toEqual([42, 43]);
      expect(frames[0]!.payload.equals(big)).toBe(true);
    }
  });

  it('reads a stream fed one byte at a time', () => {
    const bytes = Buffer.concat([
      encodeFrame(FrameType.ResultFailed, 9, payloadOf('boom')),
      encodeFrame(FrameType.QueueFull, 10),
    ]);
    const reader = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i++) frames.push(...reader.push(bytes.subarray(i, i + 1)));
    expect(frames.map((f) => [f.type, f.id, f.payload.toString()])).toEqual([
      [FrameType.ResultFailed, 9, 'boom'],
      [FrameType.QueueFull, 10, ''],
    ]);
  });
});

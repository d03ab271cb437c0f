import { createServer, type Server, type Socket } from 'node:net';
import { listenOwnerOnly } from '../owner-only-socket.js';
import { Histogram } from '../metrics/histogram.js';
import { FrameType, type TaskFunctions } from '../native/tasks-face.js';
import { encodeFrame, FrameReader, type Frame } from './task-wire.js';

interface Accepted {
  socket: Socket;
  id: number;
  reply: boolean;
  /** performance.now() when accepted. */
  at: number;
}

/** An idle request worker learns about a drain only at its next dispatch; don't wait for it longer. */
const DRAIN_GRACE_MS = 5_000;

/**
 * The Node side of a task worker: request workers connect to its unix socket
 * and send task frames; each one goes to PHP's take_task() and its answer
 * goes back on the socket it came from.
 */
export class TaskServer {
  // Integer-keyed object, not a Map (see "Garbage collection" in docs/ARCHITECTURE.md).
  private accepted: Record<number, Accepted> = {};
  private nextKey = 1;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private draining = false;
  private idle: (() => void) | null = null;
  /** Tasks taken and not answered yet, the one PHP is running included. */
  outstanding = 0;
  done = 0;
  failed = 0;
  /** Refused with QueueFull. */
  rejected = 0;
  /** Accepted to answered. */
  readonly durations = new Histogram();

  constructor(
    private readonly addon: TaskFunctions,
    private readonly queueSize: number,
  ) {
    addon.taskResults(this.onResult);
  }

  /** A replacement task worker takes over the same path without a moment of "no such file". */
  async listen(path: string): Promise<void> {
    const server = createServer((socket) => this.onConnection(socket));
    await listenOwnerOnly(server, path);
    this.server = server;
  }

  /** Takes no new tasks (they are answered "gone" and sent elsewhere), finishes the ones it holds. */
  async drain(): Promise<void> {
    this.draining = true;
    this.server?.close();
    const notice = encodeFrame(FrameType.Draining, 0);
    for (const socket of this.sockets) socket.write(notice);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DRAIN_GRACE_MS);
      this.idle = () => {
        if (this.outstanding > 0 || this.sockets.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      this.idle();
    });
    for (const socket of this.sockets) socket.destroy();
  }

  private onConnection(socket: Socket): void {
    this.sockets.add(socket);
    if (this.draining) socket.write(encodeFrame(FrameType.Draining, 0));
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => this.onFrames(socket, reader.push(chunk)));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.idle?.();
    });
  }

  /**
   * Every task frame is answered at once with Accepted, QueueFull or Gone, so the
   * dispatcher knows exactly which tasks were queued. The answers are written
   * before the tasks reach PHP: a task whose Accepted never arrived never ran.
   */
  private onFrames(socket: Socket, frames: Iterable<Frame>): void {
    const answers: Buffer[] = [];
    const taken: Array<{ key: number; payload: Buffer }> = [];
    for (const frame of frames) {
      const reply = frame.type === FrameType.Task;
      if (!reply && frame.type !== FrameType.TaskNoReply) continue;
      if (this.draining) {
        answers.push(encodeFrame(FrameType.Gone, frame.id));
        continue;
      }
      // One task runs; up to queueSize wait behind it.
      if (this.outstanding > this.queueSize) {
        answers.push(encodeFrame(FrameType.QueueFull, frame.id));
        this.rejected++;
        continue;
      }
      const key = this.nextKey;
      this.nextKey = this.nextKey >= 0x7fffffff ? 1 : this.nextKey + 1;
      this.accepted[key] = { socket, id: frame.id, reply, at: performance.now() };
      this.outstanding++;
      answers.push(encodeFrame(FrameType.Accepted, frame.id));
      // The payload is a view into the socket's chunk: pushTask copies it.
      taken.push({ key, payload: frame.payload });
    }
    if (answers.length > 0) socket.write(answers.length === 1 ? answers[0]! : Buffer.concat(answers));
    for (const task of taken) this.addon.pushTask(task.key, task.payload);
  }

  private readonly onResult = (key: number, type: FrameType, data: Buffer) => {
    const task = this.accepted[key];
    if (!task) return;
    delete this.accepted[key];
    this.outstanding--;
    this.done++;
    if (type === FrameType.ResultFailed) this.failed++;
    this.durations.observeMs(performance.now() - task.at);
    if (task.reply && !task.socket.destroyed) task.socket.write(encodeFrame(type, task.id, data));
    this.idle?.();
  };
}

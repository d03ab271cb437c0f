import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { Logger } from './logger.js';
import { encodeFrame, FrameReader, FrameType, type Frame } from './task-wire.js';

/** The task functions of the addon (native/tasks_addon.cc). */
export interface TaskAddon {
  taskResults(onResult: (key: number, type: FrameType, data: Buffer) => void): void;
  pushTask(key: number, payload: Buffer): void;
  tick(timeSeconds: number): void;
  tickCounts(): { taken: number; missed: number };
  stopTasks(): void;
}

interface Accepted {
  socket: Socket;
  id: number;
  reply: boolean;
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

  constructor(
    private readonly addon: TaskAddon,
    private readonly queueSize: number,
    private readonly logger: Logger,
  ) {
    addon.taskResults(this.onResult);
  }

  /** Binds a temporary name, then renames it over `path`: a replacement takes over without a moment of "no such file". */
  async listen(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = join(dirname(path), `.${basename(path)}.${process.pid}`);
    rmSync(temporary, { force: true });
    const server = createServer((socket) => this.onConnection(socket));
    const previousMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(temporary, () => resolve());
      });
    } finally {
      process.umask(previousMask);
    }
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
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
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) this.onFrame(socket, frame);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.idle?.();
    });
  }

  private onFrame(socket: Socket, frame: Frame): void {
    const reply = frame.type === FrameType.Task;
    if (!reply && frame.type !== FrameType.TaskNoReply) return;
    if (reply && this.draining) {
      socket.write(encodeFrame(FrameType.Gone, frame.id));
      return;
    }
    // One task runs; up to queueSize wait behind it.
    if (this.outstanding > this.queueSize) {
      if (reply) socket.write(encodeFrame(FrameType.QueueFull, frame.id));
      else this.logger.warn(`task worker ${process.pid}: a dispatched task was dropped: ${this.outstanding} tasks are already waiting (--task-queue-size)`);
      return;
    }
    const key = this.nextKey;
    this.nextKey = this.nextKey >= 0x7fffffff ? 1 : this.nextKey + 1;
    this.accepted[key] = { socket, id: frame.id, reply };
    this.outstanding++;
    // The payload is a view into the socket's chunk: the addon copies it.
    this.addon.pushTask(key, frame.payload);
  }

  private readonly onResult = (key: number, type: FrameType, data: Buffer) => {
    const task = this.accepted[key];
    if (!task) return;
    delete this.accepted[key];
    this.outstanding--;
    this.done++;
    if (task.reply && !task.socket.destroyed) task.socket.write(encodeFrame(type, task.id, data));
    this.idle?.();
  };
}

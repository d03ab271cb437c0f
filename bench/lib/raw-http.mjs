// HTTP/1.1 spoken by hand, for the soak's fault mix: a keep-alive connection whose responses are read back whole
// (Content-Length or chunked), and a client that reads a large response slowly or not at all.
import { connect } from 'node:net';

/** One keep-alive connection; `pid` is the worker that answered its latest response (X-Worker), null before. */
export class RawConnection {
  pid = null;
  closed = false;
  #buffer = Buffer.alloc(0);
  #wake = null;

  constructor(socket) {
    this.socket = socket;
    socket.on('data', (data) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data;
      this.#wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  static open(port) {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * GET `path`; resolves with { status, headers (lower-case names), body, closes }, rejects when the connection
   * closes before the whole response or none arrives within `timeoutMs`.
   */
  async get(path, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: soak\r\n\r\n`);
    let end;
    while ((end = this.#buffer.indexOf('\r\n\r\n')) < 0) await this.#more(deadline);
    const [statusLine, ...lines] = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    this.#buffer = this.#buffer.subarray(end + 4);
    const body = /chunked/i.test(headers['transfer-encoding'] ?? '')
      ? await this.#chunked(deadline)
      : await this.#take(Number(headers['content-length'] ?? 0), deadline);
    if (headers['x-worker']) this.pid = Number(headers['x-worker']);
    return { status: Number(statusLine.split(' ')[1]), headers, body, closes: /close/i.test(headers.connection ?? '') };
  }

  close() {
    this.socket.destroy();
  }

  async #take(length, deadline) {
    while (this.#buffer.length < length) await this.#more(deadline);
    const taken = this.#buffer.subarray(0, length).toString('latin1');
    this.#buffer = this.#buffer.subarray(length);
    return taken;
  }

  /** A chunked body (Node's own answers: 503, 504), without extensions or trailers. */
  async #chunked(deadline) {
    let body = '';
    for (;;) {
      let lineEnd;
      while ((lineEnd = this.#buffer.indexOf('\r\n')) < 0) await this.#more(deadline);
      const size = parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
      this.#buffer = this.#buffer.subarray(lineEnd + 2);
      const chunk = await this.#take(size + 2, deadline);
      if (size === 0) return body;
      body += chunk.slice(0, size);
    }
  }

  #more(deadline) {
    if (this.closed) return Promise.reject(new Error('connection closed with no answer'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.#wake = null;
          reject(new Error(`no answer within ${Math.round((deadline - Date.now() + 1) / 1000)}s`));
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
  }
}

/**
 * Sends `request` (pipelined requests too) on a new connection and takes the first bytes (the head: status line
 * and X-Worker). Then it reads `bytesPerSecond`, or nothing at all (0), for `holdMs` from there, and then whatever is still
 * coming for up to 3 s: a connection the server dropped ends short (its queued bytes, then the end), one it kept
 * delivers the rest. Resolves with { statusLine, pid, bytes, headAt, endedAt, endedEarly } (endedEarly: the
 * connection ended while the client held it, as when its worker died).
 */
export function slowClient(port, request, bytesPerSecond, holdMs) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let head = null;
    let headAt = 0;
    let bytes = 0;
    let holding = true;
    let trickle = null;
    let hold = setTimeout(() => socket.destroy(), 30_000); // no answer at all
    const readTheRest = () => {
      holding = false;
      clearInterval(trickle);
      socket.on('data', (data) => (bytes += data.length));
      socket.resume();
      setTimeout(() => socket.destroy(), 3000);
    };
    socket.once('data', (first) => {
      head = first.toString('latin1', 0, Math.min(first.length, 2048));
      headAt = Date.now();
      bytes = first.length;
      socket.pause();
      clearTimeout(hold);
      hold = setTimeout(readTheRest, holdMs); // from the answer's start: it may have waited for a worker
      if (bytesPerSecond <= 0) return;
      // A quarter of the rate four times a second, from what Node has buffered: the kernel's buffers fill up and
      // TCP holds the server to the client's pace.
      trickle = setInterval(() => {
        const taken = socket.read(Math.min(Math.ceil(bytesPerSecond / 4), socket.readableLength)); // read(0): refill
        if (taken) bytes += taken.length;
      }, 250);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(hold);
      clearInterval(trickle);
      const pid = /\r\nX-Worker: (\d+)/i.exec(head ?? '')?.[1];
      resolve({
        statusLine: head?.split('\r\n')[0] ?? '',
        pid: pid ? Number(pid) : null,
        bytes,
        headAt,
        endedAt: Date.now(),
        endedEarly: holding,
      });
    });
  });
}

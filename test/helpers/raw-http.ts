import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface RawResponse {
  statusLine: string;
  /** In wire order, names as sent. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** The head exactly as sent, without the blank line. */
  head: string;
  header(name: string): string | undefined;
}

/**
 * One client connection speaking HTTP/1.1 by hand: what is written is exactly
 * what the server gets (pipelining, HTTP/1.0, slow reading), and responses are
 * read back byte for byte.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (data) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** The same over TLS (HTTP/1.1, any certificate trusted): every answer on it is written by Node. */
  static openTls(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connectTls(
        { port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] },
        () => resolve(new RawConnection(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** GET requests for `paths`, all in one write. */
  get(paths: string[], extraHeaders = ''): void {
    this.send(paths.map((path) => `GET ${path} HTTP/1.1\r\nHost: test\r\n${extraHeaders}\r\n`).join(''));
  }

  /** The next response; `bodyless` for answers to HEAD. */
  async read(options: { bodyless?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) < 0) await this.more(deadline);
    const head = this.buffer.subarray(0, end).toString('latin1');
    const [statusLine = '', ...lines] = head.split('\r\n');
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    this.buffer = this.buffer.subarray(end + 4);
    const chunked = !options.bodyless && /^chunked$/i.test(header('transfer-encoding') ?? '');
    const body = chunked
      ? await this.chunkedBody(deadline)
      : await this.take(options.bodyless ? 0 : Number(header('content-length') ?? 0), deadline);
    return { statusLine, headers, body, head, header };
  }

  /** Every byte the server sends until it closes the connection (what is left unread of it). */
  async readUntilClosed(timeoutMs = 5000): Promise<Buffer> {
    await this.closedByServer(timeoutMs);
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  /** Resolves once the server closed the connection. */
  async closedByServer(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) await this.more(deadline);
  }

  close(): void {
    this.socket.destroy();
  }

  private async take(length: number, deadline: number): Promise<Buffer> {
    while (this.buffer.length < length) await this.more(deadline);
    const taken = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return taken;
  }

  /** A chunked body, decoded (chunk extensions and trailers skipped). */
  private async chunkedBody(deadline: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (;;) {
      let lineEnd: number;
      while ((lineEnd = this.buffer.indexOf('\r\n')) < 0) await this.more(deadline);
      const size = parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
      this.buffer = this.buffer.subarray(lineEnd + 2);
      if (size === 0) break;
      chunks.push(Buffer.from(await this.take(size, deadline)));
      await this.take(2, deadline);
    }
    while (!this.buffer.subarray(0, 2).equals(Buffer.from('\r\n'))) {
      let lineEnd: number;
      while ((lineEnd = this.buffer.indexOf('\r\n')) < 0) await this.more(deadline);
      this.buffer = this.buffer.subarray(lineEnd + 2);
    }
    this.buffer = this.buffer.subarray(2);
    return Buffer.concat(chunks);
  }

  private more(deadline: number): Promise<void> {
    if (this.ended)
      return Promise.reject(
        new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`),
      );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer in time')), Math.max(0, deadline - Date.now()));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** The alphabet over and over, as test/fixtures/workers/app.php's /bytes route sends it. */
export function alphabetBytes(size: number): Buffer {
  return Buffer.from('abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26) + 1).slice(0, size), 'latin1');
}

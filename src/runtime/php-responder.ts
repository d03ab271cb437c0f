import type { ServerResponse } from 'node:http';
import type { EmbeddedPhp, ResponseSink } from './embedded-php.js';
import type { Payload } from './php-addon.js';

/** Writes PHP's answer to one request onto the Node response. */
export class PhpResponder implements ResponseSink {
  status = 0;
  finished = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly php: EmbeddedPhp,
    private readonly onFinish: (responder: PhpResponder) => void,
  ) {}

  // A complete response (last) is not counted against PHP's streaming budget;
  // the first part of a streamed one is.
  head(status: number, headers: string[], body: Payload, last: boolean): void {
    if (this.finished) {
      if (!last) this.php.drained(body.length);
      return;
    }
    this.status = status;
    const response = this.response;
    try {
      response.writeHead(status, headers);
    } catch (error) {
      this.php.emit('log', `PHP sent a response Node cannot send: ${(error as Error).message}`, false);
      this.status = 500;
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('500 Internal Server Error: the PHP worker sent an invalid response header.\n');
      if (!last) this.php.drained(body.length);
      return this.finish();
    }
    if (last) {
      if (typeof body === 'string') response.end(body, 'latin1');
      else response.end(body);
      return this.finish();
    }
    this.write(body);
  }

  chunk(data: Payload, last: boolean): void {
    if (this.finished) return void this.php.drained(data.length);
    this.write(data);
    if (last) {
      this.response.end();
      this.finish();
    }
  }

  abort(): void {
    this.response.destroy();
    this.finish();
  }

  /** The server is draining: close the connection after this response. */
  closeAfterwards(): void {
    if (!this.response.headersSent) this.response.shouldKeepAlive = false;
  }

  /** Answers from Node itself (timeouts, overload) unless PHP already started. */
  answerInstead(status: number, message: string, headers: Record<string, string> = {}): boolean {
    if (this.finished || this.response.headersSent) return false;
    this.status = status;
    this.response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    this.response.end(message);
    this.finish();
    return true;
  }

  // Streamed bytes count against PHP's back-pressure budget until the socket
  // took them, or until the client is gone.
  private unsent = 0;
  private watchingClose = false;

  private write(data: Payload): void {
    if (data.length === 0) return;
    if (this.response.destroyed) return void this.php.drained(data.length);
    if (!this.watchingClose) {
      this.watchingClose = true;
      this.response.once('close', () => {
        this.php.drained(this.unsent);
        this.unsent = 0;
      });
    }
    this.unsent += data.length;
    const written = () => {
      if (this.unsent === 0) return;
      this.unsent -= data.length;
      this.php.drained(data.length);
    };
    if (typeof data === 'string') this.response.write(data, 'latin1', written);
    else this.response.write(data, written);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinish(this);
  }
}

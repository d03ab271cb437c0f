import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ServerConfig } from '../config.js';
import type { EmbeddedPhp } from '../php/embedded-php.js';
import { isEphpmError } from '../errors.js';
import type { Logger } from '../logger.js';
import { closeAfterResponse, closeListenerOnly, keepsAlive, socketDescriptor } from './node-internals.js';
import { PhpResponder, type ResponderOwner } from './php-responder.js';
import { EMPTY_BODY, hasRequestBody, postForm, readRequestBody, type RequestBody } from './request-body.js';
import { removeTempFiles } from './temp-files.js';
import { StaticFiles } from './static-files.js';

export interface HttpFrontHooks {
  /** Called after every answered request with the running total. */
  served(total: number): void;
  /** PHP did not answer in time: the process must be replaced. */
  stuck(): void;
}

export interface HttpFrontOptions {
  /** PHP may write complete responses to client sockets itself (off when Node's internals look unexpected). */
  directWrites: boolean;
}

type RawRequest = FastifyRequest['raw'];
type RawResponse = FastifyReply['raw'];

// Advertised in "Keep-Alive: timeout=5": clients drop idle sockets before
// the server does, which is what makes a hand-over lose no request.
const KEEP_ALIVE_TIMEOUT_MS = 5000;

/** The addon's id for this connection's socket (-1: PHP may not write to it), once adopted. */
const DIRECT_SOCKET = Symbol('ephpm.directSocket');
type ClientSocket = Socket & { [DIRECT_SOCKET]?: number };

/**
 * The HTTP side of one worker process: static files from public/, everything
 * else to the embedded PHP, with a bounded queue, a body limit and a timeout.
 */
export class HttpFront implements ResponderOwner {
  readonly app: FastifyInstance;
  private readonly statics: StaticFiles | null;
  private nextId = 0;
  private total = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private readonly monitor: NodeJS.Timeout;

  constructor(
    private readonly config: ServerConfig,
    private readonly php: EmbeddedPhp<PhpResponder>,
    private readonly logger: Logger,
    private readonly hooks: HttpFrontHooks,
    private readonly options: HttpFrontOptions,
  ) {
    this.statics = config.publicDir ? new StaticFiles(config.publicDir) : null;
    this.app = Fastify({
      logger: false,
      https: config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : null,
      return503OnClosing: false,
      forceCloseConnections: false,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      requestTimeout: 0,
    });
    this.app.removeAllContentTypeParsers();
    // Bodies are read in the handler, straight from the socket (see request-body.ts).
    this.app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    this.app.all('/*', (request, reply) => this.handle(request, reply));
    this.app.setErrorHandler((error: FastifyError, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
      reply.code(status).type('text/plain; charset=utf-8').send(`${status} ${error.message}\n`);
    });
    const interval = Math.max(50, Math.min(1000, config.requestTimeoutMs / 4));
    this.monitor = setInterval(() => this.enforceTimeout(), interval).unref();
  }

  async listen(): Promise<void> {
    await this.app.listen({ host: this.config.host, port: this.config.port });
  }

  get inFlight(): number {
    return this.php.waitingCount;
  }

  get served(): number {
    return this.total;
  }

  /**
   * Stop taking connections and resolve once every accepted request is
   * answered. On a hand-over (another process takes the traffic) idle
   * keep-alive connections are left to expire: closing one while the client
   * sends on it would fail that request. On shutdown they are closed at once.
   */
  async drain(mode: 'handover' | 'shutdown'): Promise<void> {
    this.draining = true;
    for (const [, responder] of this.php.waiting()) responder.closeAfterwards();
    const server = this.app.server;
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    if (mode === 'shutdown') server.close();
    else closeListenerOnly(server);
    if (this.php.waitingCount > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    clearInterval(this.monitor);
    if (mode === 'shutdown') server.closeIdleConnections();
    await closed;
  }

  /** Answer everything still waiting with a 503 (the process is going away). */
  failPending(message: string): void {
    for (const [, responder] of this.php.waiting()) {
      responder.answerInstead(503, message, { 'Retry-After': '1' });
    }
  }

  // Synchronous on the common path (no static file lookup, no body to read):
  // hello-world requests are dominated by per-request overhead.
  private handle(request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const req = request.raw;
    const res = reply.raw;
    const started = this.config.accessLog ? performance.now() : 0;
    if (this.draining || !this.config.keepAlive) closeAfterResponse(res);
    const url = req.url ?? '/';
    if (this.statics) {
      void this.serveStatic(req, res, url).then((served) => {
        if (served) this.log(req.method!, url, res.statusCode, started);
        else this.toPhp(req, res, url, started);
      });
    } else {
      this.toPhp(req, res, url, started);
    }
  }

  private toPhp(req: RawRequest, res: RawResponse, url: string, started: number): void {
    if (this.php.waitingCount > this.config.queueSize) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' });
      res.end('503 Service Unavailable: this worker is at capacity, retry shortly.\n');
      this.log(req.method!, url, 503, started);
      return;
    }
    if (!hasRequestBody(req)) return this.dispatch(req, res, url, started, EMPTY_BODY);
    readRequestBody(req, this.config.maxBodyBytes, this.config.bodyMemoryBytes).then(
      (body) => this.dispatch(req, res, url, started, body),
      (error: unknown) => {
        const tooLarge = isEphpmError(error) && error.code === 'EPHPM_BODY_TOO_LARGE';
        if (!res.headersSent && !res.destroyed) {
          closeAfterResponse(res);
          res.writeHead(tooLarge ? 413 : 400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
          res.end(tooLarge ? `413 Payload Too Large: ${(error as Error).message}\n` : `400 Bad Request: ${isEphpmError(error) ? error.message : 'the request body could not be read.'}\n`);
        }
        this.log(req.method!, url, tooLarge ? 413 : 400, started);
      },
    );
  }

  private dispatch(req: RawRequest, res: RawResponse, url: string, started: number, body: RequestBody): void {
    const id = ++this.nextId;
    const now = Date.now();
    const directSocket = this.directSocket(req, res);
    const responder = new PhpResponder(res, this.php, this, id, req.method!, url, started, now, body.tempFiles, directSocket);

    const socket = req.socket;
    this.php.dispatch(id, {
      method: req.method!,
      uri: url,
      protocol: `HTTP/${req.httpVersion}`,
      scheme: (socket as TLSSocket).encrypted ? 'https' : 'http',
      remoteAddress: plainAddress(socket.remoteAddress),
      remotePort: socket.remotePort ?? 0,
      serverAddress: plainAddress(socket.localAddress),
      serverPort: socket.localPort ?? 0,
      rawHeaders: req.rawHeaders.join('\n'),
      body: body.buffer,
      bodyFile: body.file,
      bodySize: body.size,
      postForm: postForm(req),
      form: body.form,
      time: now / 1000,
      directSocket,
      keepAliveSeconds: keepsAlive(res) ? KEEP_ALIVE_TIMEOUT_MS / 1000 : 0,
    }, responder);
  }

  /**
   * PHP may write a complete response to the socket itself when nothing else
   * can write on this connection meanwhile: plain TCP, this response is the
   * connection's current one (every earlier one is finished), nothing is
   * buffered, and not HEAD (Node drops HEAD bodies). Returns the socket's id in
   * the addon, or -1: the answer
   * goes through Node. See docs/ARCHITECTURE.md, "Complete responses skip Node".
   */
  private directSocket(req: RawRequest, res: RawResponse): number {
    const socket = req.socket as ClientSocket;
    if (!this.options.directWrites || req.method === 'HEAD' || (socket as TLSSocket).encrypted || res.socket !== socket || socket.writableLength > 0) return -1;
    let adopted = socket[DIRECT_SOCKET];
    if (adopted === undefined) {
      const fd = socketDescriptor(socket);
      const id = fd >= 0 ? this.php.adoptSocket(fd) : -1;
      if (id >= 0) socket.once('close', () => this.php.releaseSocket(id));
      adopted = socket[DIRECT_SOCKET] = id;
    }
    return adopted;
  }

  private async serveStatic(req: RawRequest, res: RawResponse, url: string): Promise<boolean> {
    const query = url.indexOf('?');
    try {
      return await this.statics!.tryServe(req, res, query < 0 ? url : url.slice(0, query));
    } catch (error) {
      this.logger.error(`static file ${url} failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end();
      return true;
    }
  }

  /** Called by each responder once its answer is complete. */
  responded(responder: PhpResponder): void {
    removeTempFiles(responder.tempFiles);
    this.total++;
    this.log(responder.method, responder.url, responder.status, responder.started);
    this.hooks.served(this.total);
    if (this.php.waitingCount === 0) this.wakeIdleWaiters();
  }

  private enforceTimeout(): void {
    const now = Date.now();
    let timedOut = false;
    for (const [, responder] of this.php.waiting()) {
      if (now - responder.arrivedAt < this.config.requestTimeoutMs) break; // later entries are younger
      const message = `504 Gateway Timeout: PHP did not answer within ${this.config.requestTimeoutMs / 1000}s.\n`;
      if (responder.answerInstead(504, message)) timedOut = true;
    }
    if (timedOut) this.hooks.stuck();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private log(method: string, url: string, status: number, started: number): void {
    if (this.config.accessLog) this.logger.request(method, url, status, performance.now() - started);
  }
}

function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

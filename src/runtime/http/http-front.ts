import type { Server as HttpServer, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import type { ServerConfig } from '../config/server-config.js';
import type { EmbeddedPhp } from '../php/embedded-php.js';
import type { ConnectionStateFunctions } from '../native/process-face.js';
import type { Logger } from '../logger.js';
import { RequestCounterSet, type FrontReason } from '../metrics/request-counters.js';
import { ConnectionWatch } from './connection-watch.js';
import { connectionId, type HandedConnections } from './handed-connections.js';
import { closeAfterResponse, parseBeforeReading } from './node-internals.js';
import {
  admit,
  EXPECTS_CONTINUE,
  frontRequest,
  plainAddress,
  release,
  type FrontRequest,
  type RawRequest,
  type RawResponse,
} from './front-request.js';
import {
  createFrontServer,
  handleOrAnswer500,
  KEEP_ALIVE_TIMEOUT_MS,
  readTimedOut,
  type RequestHandler,
} from './front-server.js';
import { adaptHttp2, headerBytes, http2Peer, isHttp2, MAX_HEADER_BYTES } from './http2-exchange.js';
import { Http2Front, routeByAlpn } from './http2-server.js';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { PhpResponder, type ResponderOwner } from './php-responder.js';
import { phpRequest } from './php-request.js';
import { afterEarlierResponses } from './pipelining.js';
import { directSocketFor } from './direct-socket-choice.js';
import { PhpPacedReading, takeQueueFull, takeWaitingSince } from './php-paced-reading.js';
import type { ReadGate } from './read-gate.js';
import { announcedTooLarge, hasRequestBody } from './request-body.js';
import { EMPTY_BODY, type RequestBody } from './request-body-value.js';
import { acceptedTarget, pathOf } from './request-target.js';
import { AccessLog } from './access-log.js';
import { AnswerLedger } from './answer-ledger.js';
import { SpillRoom } from './spill-room.js';
import { removeTempFiles } from './temp-files.js';
import { StaticFiles } from './static-files.js';
import { requestCompression } from './compression/response-rules.js';
import { EarlyHints } from './early-hints.js';
import { NativeLane, takeAdoptedRequest } from './native-lane.js';
import { PhpDeadlines } from './php-deadlines.js';
import { receiveBody, type BodyReceiver } from './body-reception.js';
import { FileOffload } from './file-offload/file-offload.js';

export interface HttpFrontHooks {
  /** Called after every answered request with the running total. */
  served(total: number): void;
  /** PHP did not answer in time: the process must be replaced. */
  stuck(): void;
  /** Called about once a second (the front's deadlines clock). */
  tick?(): void;
}

export interface HttpFrontOptions {
  /** PHP may write complete responses to client sockets itself (off when Node's internals look unexpected). */
  directWrites: boolean;
  /** Parks connections while PHP is busy (plain TCP only: a TLS session cannot move to another process). */
  connectionState?: ConnectionStateFunctions;
  /** The token this process gave its PHP for X-Ephpm-File (file-offload.ts); null: file_offload is off. */
  offloadToken?: string | null;
}

/**
 * The HTTP side of one worker process: static files from public/, everything
 * else to the embedded PHP, with a bounded queue, a body limit and a timeout.
 */
export class HttpFront implements ResponderOwner {
  private readonly server: HttpServer;
  /** Read by the supervisor on demand (`stats`): see docs/ARCHITECTURE.md, "Metrics". */
  readonly counters = new RequestCounterSet();
  /** What streamed responses keep for slow clients: in memory, then in temp files (streamed-body.ts). */
  readonly spillRoom: SpillRoom;
  readonly fileOffload: FileOffload | null;
  private readonly statics: StaticFiles | null;
  private nextId = 0;
  private readonly ledger: AnswerLedger;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** request_timeout, queue_timeout and the connections' timeouts, on a clock (php-deadlines.ts). */
  private readonly deadlines: PhpDeadlines;
  private readonly watch: ConnectionWatch;
  private connections: HandedConnections | null = null;
  /** The read gate and what drives it (plain TCP only: a TLS session cannot move to another process). */
  private readonly paced: PhpPacedReading | null;
  private readonly gate: ReadGate | null;
  private readonly earlyHints: EarlyHints | null;
  /** How request bodies are read: the limits, the connection clock, the front's own answers (body-reception.ts). */
  private readonly bodyReceiver: BodyReceiver;
  /** HTTP/2's server: TLS connections that chose 'h2' by ALPN, or cleartext ones that open with its preface (h2c). */
  private readonly http2: Http2Front | null;
  /** Keep-alive connections lent to the PHP thread between requests (native-lane.ts); null when off. */
  private readonly lane: NativeLane<PhpResponder> | null;

  constructor(
    private readonly config: ServerConfig,
    private readonly php: EmbeddedPhp<PhpResponder>,
    private readonly logger: Logger,
    private readonly hooks: HttpFrontHooks,
    private readonly options: HttpFrontOptions,
  ) {
    this.ledger = new AnswerLedger(
      this.counters,
      config.accessLog ? new AccessLog(config.accessLog, logger) : null,
      (total) => hooks.served(total),
    );
    this.earlyHints = config.earlyHints ? new EarlyHints() : null;
    this.fileOffload = options.offloadToken
      ? new FileOffload(options.offloadToken, config.root, config.offloadDirs, (message) => logger.warn(message))
      : null;
    this.statics = config.publicDir ? new StaticFiles(config.publicDir, config.publicLinks, config.compression) : null;
    this.spillRoom = new SpillRoom(
      config.responseMemoryBytes,
      config.responseSpillBytes,
      config.workerSpillBytes,
      (error) =>
        this.logger.warn(
          `a streamed response could not be spilled to the temp dir (${error.message}): its slow client's bytes wait in memory and PHP waits for that client, as past response_spill_size. Free space in ${tmpdir()} (TMPDIR).`,
        ),
    );
    const handle: RequestHandler = (req, res) => this.handle(req, res);
    this.server = createFrontServer(config, handle);
    this.http2 =
      (config.tls && config.http2) || (!config.tls && config.h2c)
        ? new Http2Front(KEEP_ALIVE_TIMEOUT_MS, config.headerTimeoutMs, (req, res) =>
            handleOrAnswer500(handle, req, res),
          )
        : null;
    if (this.http2 && config.tls) routeByAlpn(this.server, this.http2);
    this.watch = new ConnectionWatch(config.sendTimeoutMs, config.bodyTimeoutMs, (socket, idle) =>
      this.logger.warn(
        `dropped the connection of ${plainAddress(socket.remoteAddress)}:${socket.remotePort}: it took none of its response for ${Math.round(idle)}s (send_timeout)`,
      ),
    );
    this.bodyReceiver = {
      limits: config,
      watch: this.watch,
      refuse: (front, reason, status, message) => this.refuse(front, reason, status, message),
      logError: (message) => this.logger.error(message),
    };
    this.paced =
      options.connectionState && !config.tls
        ? new PhpPacedReading(config, php, options.connectionState, () => this.connections)
        : null;
    this.gate = this.paced?.gate ?? null;
    this.lane = config.nativeLane && options.directWrites && !config.tls ? this.startLane() : null;
    this.deadlines = new PhpDeadlines(config, php, {
      lane: this.lane,
      paced: this.paced,
      watch: this.watch,
      counters: this.counters,
      stuck: () => hooks.stuck(),
      tick: () => hooks.tick?.(),
    });
  }

  /** Serves the connections the supervisor hands this worker (it holds the listening socket). */
  async serve(connections: HandedConnections): Promise<void> {
    this.connections = connections;
    const lane = this.lane;
    if (lane) connections.onShedding = (shedding) => (shedding ? lane.reclaim('shedding') : lane.reopen('shedding'));
    const paced = this.paced;
    connections.serveWith(
      this.server,
      paced
        ? (socket, waitingSince, replay) => {
            paced.connection(socket, waitingSince, replay !== null);
            if (replay && !parseBeforeReading(socket, replay)) socket.destroy();
          }
        : null,
      this.config.tls ? null : this.http2,
    );
  }

  /** PHP is stuck and the worker leaves: parked connections, and requests PHP has not started, go to other workers. */
  handBackParked(): void {
    this.paced?.handBackParked();
  }

  /** Requests with PHP (the one it runs included) and waiting unread on parked connections. */
  get inFlight(): number {
    return this.php.load + (this.gate?.countWaiting() ?? 0);
  }

  get served(): number {
    return this.ledger.servedByPhp;
  }

  /**
   * Stop taking connections and resolve once every accepted request is
   * answered. On a hand-over (another process takes the traffic) idle
   * keep-alive connections are left to expire: closing one while the client
   * sends on it would fail that request. On shutdown they are closed at once.
   */
  async drain(mode: 'handover' | 'shutdown'): Promise<void> {
    this.draining = true;
    this.lane?.reclaim('drain');
    this.connections?.refuse();
    this.http2?.closeAll();
    // On a hand-over the connections waiting unread go to the other workers; on shutdown, there are none to take them.
    if (mode === 'handover') this.gate?.handBackAll();
    else this.gate?.stop();
    for (const [, responder] of this.php.waiting()) responder.closeAfterwards();
    const server = this.server;
    await this.lane?.settled();
    if (mode === 'shutdown') server.closeIdleConnections();
    if (this.php.waitingCount > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (mode === 'shutdown') server.closeIdleConnections();
    // Responses still on their way to slow clients keep the send timeout until the last connection closes.
    await this.connections?.allClosed();
    this.deadlines.stop();
    this.paced?.stop();
    this.lane?.stop();
  }

  /** Answer everything still waiting with a 503 (the process is going away). */
  failPending(message: string): void {
    for (const [, responder] of this.php.waiting()) {
      // The connection closes with it: a client's next request on it would meet a worker on its way out.
      if (responder.answerInstead(503, message, { 'Retry-After': '1', Connection: 'close' }))
        this.counters.frontAnswered('restarting');
    }
  }

  // Synchronous on the common path (no static file lookup, no body to read):
  // hello-world requests are dominated by per-request overhead.
  private handle(req: RawRequest, res: RawResponse): void {
    // HTTP/2: one stream of a session, never pipelined, never parked, never written to by PHP directly.
    if (isHttp2(req)) {
      adaptHttp2(req as unknown as Http2ServerRequest, res as unknown as Http2ServerResponse);
      const front = frontRequest(req, res, this.config.requestId);
      if (headerBytes(front.req.rawHeaders) > MAX_HEADER_BYTES)
        return this.refuse(
          front,
          'headers_too_large',
          431,
          '431 Request Header Fields Too Large: the request headers are too large.\n',
        );
      return this.handleInTurn(front);
    }
    const front = frontRequest(req, res, this.config.requestId);
    const adopted = this.lane ? takeAdoptedRequest(req.socket) : undefined;
    if (adopted !== undefined) return this.adoptFromLane(front, adopted);
    if (res.socket === req.socket) return this.handleInTurn(front);
    // Read and waiting its turn: owed an answer (a 502 if the worker dies before it is with PHP and in the journal).
    this.gate?.answerOwed(req.socket);
    afterEarlierResponses(res, req.socket, () => this.handleInTurn(front));
  }

  private handleInTurn(front: FrontRequest): void {
    const { req, res, url } = front;
    const http2 = isHttp2(req);
    if (this.gate && !http2) admit(this.gate, req, res);
    if (!http2 && (this.draining || !this.config.keepAlive)) closeAfterResponse(res);
    this.watch.watchSends(http2 ? http2Peer(res) : req.socket);
    const target = acceptedTarget(url, req.method!, req.rawHeaders);
    if (typeof target === 'string') return this.refuse(front, 'bad_target', 400, target);
    front.target = target;
    if (this.statics && target.uri !== '*' && !this.statics.surelyNotStatic(req.method, pathOf(target.uri))) {
      // Not res.setHeader(): once a header is set, Node's writeHead() keeps only the last of PHP's repeated headers
      // (Set-Cookie) on a response it writes. PHP's response carries the id itself (native/http/request_id.h).
      const logError = (message: string) => this.logger.error(message);
      void this.statics.serve(req, res, pathOf(target.uri), requestIdHeader(front), logError).then((bytes) => {
        if (bytes >= 0) return this.log(front, url, res.statusCode, bytes);
        this.toPhp(front);
      });
    } else {
      this.toPhp(front);
    }
  }

  /** An answer from the front itself, closing the connection (the request was not fully read, or cannot be trusted). */
  private refuse(front: FrontRequest, reason: FrontReason, status: number, message: string): void {
    const { req, res } = front;
    this.counters.frontAnswered(reason);
    if (!res.headersSent && !res.destroyed) {
      closeAfterResponse(res);
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(message),
        Connection: 'close',
        ...requestIdHeader(front),
      });
      res.end(message);
    } else if (readTimedOut(req.socket)) {
      status = 408;
    }
    this.log(front, front.url, status, res.headersSent ? Buffer.byteLength(message) : 0);
  }

  private toPhp(front: FrontRequest): void {
    const { req, res } = front;
    const url = front.target!.uri;
    const socket = req.socket;
    if (takeQueueFull(socket) || this.php.load > this.config.queueSize) {
      const message = '503 Service Unavailable: this worker is at capacity, retry shortly.\n';
      res.writeHead(503, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Retry-After': '1',
        ...requestIdHeader(front),
      });
      res.end(message);
      this.counters.frontAnswered('queue_full');
      this.log(front, url, 503, message.length);
      return;
    }
    if (!hasRequestBody(req)) return this.dispatch(front, EMPTY_BODY);
    if (req[EXPECTS_CONTINUE] && !announcedTooLarge(req, this.config.maxBodyBytes)) res.writeContinue();
    release(req, this.gate); // a body may take long to arrive: PHP takes other requests meanwhile
    receiveBody(front, this.bodyReceiver, (body) => this.dispatch(front, body));
  }

  private dispatch(front: FrontRequest, body: RequestBody): void {
    const { req, res } = front;
    const target = front.target!;
    const id = ++this.nextId;
    const socket = req.socket;
    const now = Date.now();
    const arrived = takeWaitingSince(socket) ?? now;
    const url = target.uri;
    const compression = requestCompression(this.config.compression, req);
    // A hinted request is answered through Node, which reads the final response's Link headers again.
    const directSocket = this.earlyHints?.sendFor(req, res, url, this.logger)
      ? -1
      : directSocketFor(req, res, this.php, this.options.directWrites);
    const responder = new PhpResponder(
      res,
      this.php,
      this,
      id,
      front,
      arrived,
      body.tempFiles,
      directSocket,
      compression,
    );
    const http2 = isHttp2(req);
    // Every answer before it on its connection is written by now (a pipelined request waited for them).
    if (this.gate && !http2 && body.file === null && body.form === null) {
      responder.movable = req;
      responder.movableBody = body.buffer;
    }

    this.php.dispatch(
      id,
      phpRequest(front, body, {
        now,
        directSocket,
        // A response the client may get compressed comes to Node (which compresses it), not to the socket.
        compressFrom: compression?.coding ? compression.minBytes : -1,
        // Kept until PHP starts it, so that another worker answers it if this one dies (every answer before it on its
        // connection is written by now; not TLS: its session cannot move).
        connection: this.gate && !http2 ? connectionId(socket) : 0,
      }),
      responder,
    );
    release(req, this.gate);
  }

  /** The head of PHP's final answer, as Node writes it: what it says about the path's early hints. */
  answerHead(front: FrontRequest, status: number, headers: readonly string[]): void {
    if (!this.earlyHints) return;
    const changes = this.earlyHints.changes;
    this.earlyHints.learnFrom(front.req, front.target!.uri, status, headers);
    if (this.lane && this.earlyHints.changes !== changes) this.lane.leaveToNode(this.earlyHints.paths());
  }

  writtenByPhp(response: ServerResponse, directSocket: number): void {
    this.lane?.lendAfter(response, directSocket);
  }

  private startLane(): NativeLane<PhpResponder> {
    const lane = new NativeLane(this.php, {
      mayLend: (socket) => !this.draining && (this.gate?.lend(socket) ?? true),
      takeBack: (socket) => this.gate?.lentBack(socket) ?? true,
      ledger: this.ledger,
      room: () => (this.config.maxRequests > 0 ? Math.max(0, this.config.maxRequests - this.served) : -1),
    });
    if (this.paced) this.paced.onEngage = (engaged) => (engaged ? lane.reclaim('gate') : lane.reopen('gate'));
    return lane;
  }

  /** A request the lane read whose answer needs Node: PHP runs it already; Node's responder takes PHP's answer. */
  private adoptFromLane(front: FrontRequest, id: number): void {
    front.target = { uri: front.url, host: null };
    if (this.gate) admit(this.gate, front.req, front.res);
    const compression = requestCompression(this.config.compression, front.req);
    const responder = new PhpResponder(front.res, this.php, this, id, front, Date.now(), [], -1, compression);
    this.php.adoptLaneRequest(id, responder);
    release(front.req, this.gate);
  }

  /** Called by each responder once its answer is complete. */
  responded(responder: PhpResponder): void {
    removeTempFiles(responder.tempFiles);
    const front = responder.front;
    this.log(front, front.target!.uri, responder.status, responder.bytes);
    this.ledger.phpRan(responder.phpMs);
    if (this.php.waitingCount === 0) this.wakeIdleWaiters();
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private log(front: FrontRequest, path: string, status: number, bytes: number): void {
    this.ledger.answered({
      method: front.req.method!,
      path,
      status,
      bytes,
      durationMs: performance.now() - front.started,
      remoteAddress: front.remoteAddress,
      userAgent: front.req.headers['user-agent'] ?? '',
      requestId: front.requestId,
    });
  }
}

function requestIdHeader(front: FrontRequest): Record<string, string> {
  return front.requestId ? { 'X-Request-Id': front.requestId } : {};
}

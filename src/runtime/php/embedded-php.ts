import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import { tmpdir } from 'node:os';
import { EphpmError } from '../errors.js';
import { InFlight } from './in-flight.js';
import { discardSpilledBody } from './spilled-body-fd.js';
import {
  EventKind,
  type EventCallback,
  type LaneFunctions,
  type Payload,
  type PhpFunctions,
} from '../native/php-face.js';

/** Where PHP's answer to one request goes. */
export interface ResponseSink {
  /** `file` (a complete response, last): the rest of the body in a spilled temp file (-1: none); the sink closes it. */
  head(status: number, headers: string[], body: Payload, last: boolean, file: number): void;
  chunk(data: Payload, last: boolean): void;
  abort(): void;
  /** PHP wrote the whole response to the socket itself; `unsent` (then `file`, if >= 0) is what the socket did not take yet. */
  written(status: number, unsent: Payload, connectionCloses: boolean, file: number, bodyBytes: number): void;
  /** PHP's direct write failed: the client is gone. */
  writeFailed(status: number): void;
  /** The script sends a 103 Early Hints ahead of its response (headers as name, value, name, value, …). */
  earlyHints(headers: string[]): void;
}

export interface EmbeddedPhpOptions {
  script: string;
  ini: Record<string, string>;
  stackBytes: number;
  /** The app's public/ directory: $_SERVER['DOCUMENT_ROOT'] and SCRIPT_FILENAME in the request's `server`. */
  documentRoot?: string;
  /** A complete response's body beyond this many bytes goes through an unnamed temp file (default 1 MiB). */
  responseMemoryBytes?: number;
  /** Queued requests are kept there until PHP starts them (the supervisor reads it if the worker dies). */
  journalPath?: string;
  /** Return each request's X-Request-Id on PHP's responses that set none. */
  echoRequestId?: boolean;
  /** PHP reads the requests of connections Node lends it itself (docs/ARCHITECTURE.md, "The native lane"). */
  nativeLane?: boolean;
  /** The lane keeps what the access log writes of each answer. */
  nativeLaneLog?: boolean;
  /** compression's minimum size, -1 when off: the lane's requests get the coding Node would negotiate. */
  nativeLaneCompressFrom?: number;
  /** Node can produce zstd: the lane's negotiation offers it. */
  nativeLaneZstd?: boolean;
}

/** Ids of the requests the native lane read (native/http/lane.h kLaneIdBase); Node's own count up from 1. */
export const LANE_ID_BASE = 2 ** 50;

/**
 * Whether Node's request `id`, if still queued, was queued behind the one PHP took last (`takenId`). A request the
 * lane read was never queued, so while PHP runs one, every queued request is behind it.
 */
export function queuedBehind(id: number, takenId: number): boolean {
  return takenId >= LANE_ID_BASE || id > takenId;
}

/** The ini settings as PHP's embed SAPI takes them; a PHP zygote must have been started with the same. */
export function iniLines(ini: Record<string, string>): string {
  return Object.entries(ini)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

export interface EmbeddedPhpEvents {
  log: [message: string, fromOutput: boolean];
  'script-error': [message: string];
  'lane-return': [socketId: number];
  'lane-adopt': [id: number, socketId: number, request: Payload];
  ready: [];
  stopped: [];
}

/**
 * The PHP interpreter of this process, running the worker script on its own
 * native thread. Requests go in with dispatch(); answers come back to the
 * ResponseSink registered for the request id.
 */
export class EmbeddedPhp<Sink extends ResponseSink = ResponseSink> extends EventEmitter<EmbeddedPhpEvents> {
  private readonly sinks = new InFlight<Sink>();
  /** Called whenever PHP is done with a request (answered, or taken back): the HTTP front may read more. */
  onSettled: (() => void) | null = null;
  /** Called when PHP has run one request for the time watchLongRequests() named. */
  onLongRequest: (() => void) | null = null;
  private stopped = false;
  private wakeScheduled = false;

  constructor(private readonly addon: PhpFunctions & LaneFunctions) {
    super();
  }

  start(options: EmbeddedPhpOptions): void {
    this.addon.start(
      {
        script: options.script,
        ini: iniLines(options.ini),
        stackSize: options.stackBytes,
        documentRoot: options.documentRoot ?? '',
        statusTexts: STATUS_CODES as Record<string, string>,
        responseMemoryBytes: options.responseMemoryBytes,
        tempDir: tmpdir(),
        journalPath: options.journalPath,
        echoRequestId: options.echoRequestId ?? false,
        nativeLane: options.nativeLane ?? false,
        nativeLaneLog: options.nativeLaneLog ?? false,
        nativeLaneCompressFrom: options.nativeLaneCompressFrom ?? -1,
        nativeLaneZstd: options.nativeLaneZstd ?? false,
      },
      this.onEvent,
    );
  }

  /** Resolves when the script first asks for a request; rejects if it dies before. */
  waitUntilReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReady = () => {
        this.off('script-error', onError);
        resolve();
      };
      const onError = (message: string) => {
        this.off('ready', onReady);
        reject(
          new EphpmError('EPHPM_WORKER_BOOT', `The worker script failed before taking its first request:\n${message}`),
        );
      };
      this.once('ready', onReady);
      this.once('script-error', onError);
    });
  }

  /** Requests handed to PHP and not fully answered yet, oldest first. */
  get waitingCount(): number {
    return this.sinks.size;
  }

  /** Requests PHP holds: Node's handed and not fully answered, and the lane's one it runs. */
  get load(): number {
    return this.sinks.size + (this.runsLaneRequest() ? 1 : 0);
  }

  /** Whether PHP runs a request the native lane read now. */
  runsLaneRequest(): boolean {
    const [takenId] = this.addon.taken();
    return takenId >= LANE_ID_BASE && this.addon.laneRunning(takenId);
  }

  /** Whether request `id` is with PHP and not fully answered. */
  isWaiting(id: number): boolean {
    return this.sinks.get(id) !== undefined;
  }

  /** A snapshot, oldest first. */
  waiting(): Array<[number, Sink]> {
    return this.sinks.list();
  }

  dispatch(id: number, request: DispatchedRequest, sink: Sink): void {
    this.sinks.add(id, sink);
    const head = `${request.method}\n${request.uri}\n${request.protocol}\n${request.scheme}\n${request.remoteAddress}\n${request.serverAddress}\n${request.rawHeaders}`;
    this.addon.dispatch(
      id,
      head,
      request.remotePort,
      request.serverPort,
      request.body,
      request.bodyFile,
      request.bodySize,
      request.time,
      request.directSocket,
      request.keepAliveSeconds,
      request.postForm ?? 0,
      request.form ?? null,
      request.connection ?? 0,
      request.compressFrom ?? -1,
    );
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      setImmediate(this.wake);
    }
  }

  // One wake-up of the PHP thread per event-loop turn, however many requests came in.
  private readonly wake = () => {
    this.wakeScheduled = false;
    this.addon.wake();
  };

  /** Node answered in PHP's place (timeout, shutdown, bad header): PHP's late answer is dropped here. */
  forget(id: number): void {
    this.addon.cancel(id); // answered in PHP's place: PHP must not run it, nor the supervisor send it to another worker
    if (this.sinks.take(id)) this.onSettled?.();
  }

  /** Node answers lane request `id` from now on (null: its client is gone): the events PHP sent for it so far first. */
  adoptLaneRequest(id: number, sink: Sink | null): void {
    if (sink) this.sinks.add(id, sink);
    else this.addon.abandon(id);
    for (const args of this.addon.laneAdopted(id)) this.onEvent(...args);
  }

  /** The native lane's side of the addon (native/http/lane.h). */
  get lane(): LaneFunctions {
    return this.addon;
  }

  /** Whether PHP runs request `id` now or will: one Node handed it, or one the lane read and has not answered. */
  isRunningOrWaiting(id: number): boolean {
    return this.isWaiting(id) || (id >= LANE_ID_BASE && this.addon.laneRunning(id));
  }

  /** Lets PHP write complete responses to this socket descriptor: an id for dispatch(), or -1 (see HttpFront). */
  adoptSocket(fd: number): number {
    return this.addon.adoptSocket(fd);
  }

  releaseSocket(directSocket: number): void {
    this.addon.releaseSocket(directSocket);
  }

  /** For a request PHP may answer directly: true if Node may answer it instead. */
  answerInstead(directSocket: number, id: number): boolean {
    return this.addon.answerInstead(directSocket, id);
  }

  closeAfterwards(directSocket: number): void {
    this.addon.closeAfterwards(directSocket);
  }

  /** Streamed bytes reached the socket (or were dropped); PHP may produce more. */
  drained(bytes: number): void {
    this.addon.drained(bytes);
  }

  /** The request PHP took last (0: none yet) and how many milliseconds ago: read from a timer, never pushed. */
  taken(): [id: number, elapsedMs: number] {
    return this.addon.taken();
  }

  /**
   * Once PHP has run one request for `afterMs`, onLongRequest is called: no timer runs in Node meanwhile, and nothing
   * wakes it for requests that end sooner. false if the addon could not make its timer.
   */
  watchLongRequests(afterMs: number): boolean {
    return this.addon.watchLongRequests(afterMs);
  }

  /** Takes back a request PHP has not started: true if PHP will never see it. */
  cancel(id: number): boolean {
    return this.addon.cancel(id);
  }

  /** The client of request `id` is gone: its send_chunk() returns false, and PHP stops waiting to send. */
  abandon(id: number): void {
    this.addon.abandon(id);
  }

  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.once('stopped', resolve));
    this.addon.stop();
    return done;
  }

  private readonly onEvent: EventCallback = (kind, id, status, last, headers, data, file, bodyBytes) => {
    const waiting = this.sinks.size;
    this.route(kind, id, status, last, headers, data, file, bodyBytes);
    if (this.sinks.size < waiting) this.onSettled?.();
  };

  private route(
    kind: EventKind,
    id: number,
    status: number,
    last: boolean,
    headers: string,
    data: Payload,
    file: number,
    bodyBytes: number,
  ): void {
    switch (kind) {
      case EventKind.Response: {
        const sink = last ? this.sinks.take(id) : this.sinks.get(id);
        if (sink) sink.head(status, headers === '' ? [] : headers.split('\n'), data, last, file);
        else if (!last) this.addon.drained(data.length);
        else discardSpilledBody(file);
        return;
      }
      case EventKind.Chunk: {
        const sink = last ? this.sinks.take(id) : this.sinks.get(id);
        if (sink) sink.chunk(data, last);
        else this.addon.drained(data.length);
        return;
      }
      case EventKind.Written: {
        const sink = this.sinks.take(id);
        if (sink) sink.written(status, data, last, file, bodyBytes);
        else discardSpilledBody(file);
        return;
      }
      case EventKind.WriteFailed: {
        this.sinks.take(id)?.writeFailed(status);
        return;
      }
      case EventKind.EarlyHints: {
        this.sinks.get(id)?.earlyHints(headers === '' ? [] : headers.split('\n'));
        return;
      }
      case EventKind.Abort: {
        this.sinks.take(id)?.abort();
        return;
      }
      case EventKind.LaneReturn:
        this.emit('lane-return', id);
        return;
      case EventKind.LaneAdopt:
        this.emit('lane-adopt', id, bodyBytes, data);
        return;
      case EventKind.LongRequest:
        this.onLongRequest?.();
        return;
      case EventKind.Ready:
        this.emit('ready');
        return;
      case EventKind.ScriptError:
        this.emit('script-error', text(data));
        return;
      case EventKind.Log:
        this.emit('log', text(data), status === 1);
        return;
      case EventKind.Stopped:
        this.stopped = true;
        this.emit('stopped');
        return;
    }
  }
}

export interface DispatchedRequest {
  method: string;
  uri: string;
  protocol: string;
  scheme: string;
  remoteAddress: string;
  remotePort: number;
  serverAddress: string;
  serverPort: number;
  rawHeaders: string;
  body: Buffer | null;
  bodyFile: string | null;
  bodySize: number;
  /** A POST body PHP reads as a form: 1 urlencoded (parsed on the PHP thread from the body), 2 multipart (`form`). */
  postForm?: number;
  /** multipart/form-data: the parts Node parsed (see http/form-body.ts). */
  form?: Array<string | number> | null;
  time: number;
  /** From adoptSocket(): PHP may write the complete response to this socket (-1: it goes through Node). */
  directSocket: number;
  /** What PHP says in "Keep-Alive: timeout=…" when it writes directly; 0 = "Connection: close". */
  keepAliveSeconds: number;
  /** The supervisor's id of its connection: kept in the journal until PHP starts it (0: not kept, cannot move). */
  connection?: number;
  /** The client accepts a coding Node compresses with: complete bodies from this size go to Node, not the socket. */
  compressFrom?: number;
}

/** PHP's bytes as UTF-8 text, for log lines. */
function text(data: Payload): string {
  return (typeof data === 'string' ? Buffer.from(data, 'latin1') : data).toString('utf8');
}

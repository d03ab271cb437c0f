import { loadedAddon } from './addon.js';

/**
 * What the PHP thread reports to Node (native/http/exchange.h `EventKind`; a unit test keeps the two
 * in step).
 */
export enum EventKind {
  Response = 1,
  Chunk = 2,
  Abort = 3,
  Ready = 4,
  ScriptError = 5,
  Log = 6,
  Stopped = 7,
  Written = 8,
  WriteFailed = 9,
  EarlyHints = 10,
  /** A lent connection goes back to Node unread (`id`: its socket id). */
  LaneReturn = 11,
  /** A lane request's answer needs Node: `id` the request, `bodyBytes` its socket id, `data` the request's bytes. */
  LaneAdopt = 12,
  /** PHP has run one request for the time watchLongRequests() named. */
  LongRequest = 13,
}

/**
 * `headers` is "Name\nvalue\nName\nvalue" (empty when there are none), latin1 (exact bytes).
 * `data` is a latin1 string (exact bytes) when small, a Buffer otherwise.
 * `file` (Response that is last, Written): a descriptor of an unnamed temp file holding the rest of
 * the body, sent after `data`; the receiver closes it. -1 = none.
 * `bodyBytes` (Written): the body bytes of the response PHP wrote (what the socket took and what it left).
 */
export type EventCallback = (
  kind: EventKind,
  id: number,
  status: number,
  last: boolean,
  headers: string,
  data: Payload,
  file: number,
  bodyBytes: number,
) => void;

export type Payload = string | Buffer;

/** A worker's embedded PHP: start it, hand it requests (native/node/php_napi.cc). */
export interface PhpFunctions {
  start(
    options: {
      script: string;
      ini: string;
      stackSize: number;
      documentRoot: string;
      statusTexts: Record<string, string>;
      /** A complete response's body beyond this many bytes waits for the client in a temp file under `tempDir`. */
      responseMemoryBytes?: number;
      tempDir?: string;
      /** Where queued requests are kept until PHP starts them, for the supervisor if the worker dies (request_journal.h). */
      journalPath?: string;
      /** Return the request's X-Request-Id on PHP's response when PHP sets none (native/http/request_id.h). */
      echoRequestId?: boolean;
      /** PHP reads the requests of the connections Node lends it (native/http/lane.h); with echoRequestId, gives ids. */
      nativeLane?: boolean;
      /** The lane keeps what the access log writes of each answer (laneAnswered). */
      nativeLaneLog?: boolean;
      /** compression's minimum size (-1: off): the lane negotiates a coding as Node does (compression/negotiation.ts). */
      nativeLaneCompressFrom?: number;
      /** Node can produce zstd (the lane's negotiation offers it). */
      nativeLaneZstd?: boolean;
    },
    onEvent: EventCallback,
  ): void;
  /** `head`: "method\nuri\nprotocol\nscheme\nremoteAddr\nserverAddr\nName\nvalue..." */
  dispatch(
    id: number,
    head: string,
    remotePort: number,
    serverPort: number,
    body: Buffer | null,
    bodyFile: string | null,
    bodySize: number,
    requestTime: number,
    directSocket: number,
    keepAliveSeconds: number,
    /** 0 none, 1 urlencoded, 2 multipart; `form`: [isFile, name, value, type, path, size, error] per part. */
    postForm: number,
    form: Array<string | number> | null,
    /** The supervisor's id of the request's connection, 0: none (not recorded in the journal). */
    connection: number,
    /** Complete bodies from this size on go to Node, which may compress them, not to `directSocket`; -1: none. */
    compressFrom: number,
  ): void;
  /** Registers a dup of Node's socket descriptor that PHP may write complete responses to: its id, or -1. */
  adoptSocket(fd: number): number;
  releaseSocket(directSocket: number): void;
  /** true: Node may answer request `id` itself; false: PHP already took it. */
  answerInstead(directSocket: number, id: number): boolean;
  closeAfterwards(directSocket: number): void;
  wake(): void;
  drained(bytes: number): void;
  /** [the id of the request PHP took last (0: none yet), milliseconds since it took it]. */
  taken(): [number, number];
  /** Each request PHP runs for `afterMs` sends a LongRequest event; false if the timer could not be made. */
  watchLongRequests(afterMs: number): boolean;
  /** Removes a request PHP has not taken yet; false if it took it. */
  cancel(id: number): boolean;
  /** The client of request `id` is gone: its send_chunk() returns false from now on. */
  abandon(id: number): void;
  stop(): void;
  buildInfo(): { phpVersion: string; zendApi: number; libphp?: string };
}

/** The native lane's functions (native/node/lane_napi.cc); each does nothing while the lane is off. */
export interface LaneFunctions {
  /** Lends the adopted socket `socketId` (see adoptSocket) to the PHP thread; false: the lane takes none now. */
  lend(
    socketId: number,
    remoteAddr: string,
    remotePort: number,
    serverAddr: string,
    serverPort: number,
    keepAliveSeconds: number,
  ): boolean;
  /** Closes lending: the idle lent connections' socket ids, Node's again (a running one comes back once answered). */
  laneReclaim(): number[];
  laneReopen(): void;
  /** Lent connections idle past their keep-alive timeout, out of the lane: their socket ids, for Node to close. */
  laneExpired(): number[];
  /**
   * The lane's answers since the last call, 7 values each: status, ms, body bytes, and for the access log (else '')
   * uri, user agent, request id, remote address. `room`: requests the worker may still serve (-1: no limit).
   */
  laneAnswered(room: number): Array<number | string>;
  /** The paths whose requests the lane leaves to Node (those with early hints). */
  laneNodePaths(paths: string[]): void;
  /** Whether PHP still runs lane request `id`. */
  laneRunning(id: number): boolean;
  /** Node answers lane request `id` from now on: the events PHP sent for it so far, each as the callback's arguments. */
  laneAdopted(id: number): Array<Parameters<EventCallback>>;
  /** Answers lane request `id` 504 with `message` unless PHP began its answer: its socket id (Node's again), or -1. */
  laneAnswerInstead(id: number, message: string): number;
}

/** The embedded PHP's functions of the addon (native/node/php_napi.cc, lane_napi.cc). */
export const nativePhp = (): PhpFunctions & LaneFunctions => loadedAddon<PhpFunctions & LaneFunctions>();

import { isEphpmError } from '../errors.js';
import type { FrontReason } from '../metrics/request-counters.js';
import type { ConnectionWatch } from './connection-watch.js';
import type { FrontRequest } from './front-request.js';
import { http2Peer, isHttp2 } from './http2-exchange.js';
import { readRequestBody } from './request-body.js';
import type { RequestBody } from './request-body-value.js';
import { removeTempFiles } from './temp-files.js';

/** The front's limits on a request body (ServerConfig's). */
export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly bodyMemoryBytes: number;
  readonly bodyTimeoutMs: number;
  readonly requestReadTimeoutMs: number;
}

/** What reading a body needs from the front: its limits, its connection clock, and its own answers. */
export interface BodyReceiver {
  readonly limits: BodyLimits;
  readonly watch: ConnectionWatch;
  refuse(front: FrontRequest, reason: FrontReason, status: number, message: string): void;
  logError(message: string): void;
}

/**
 * Reads the request's body within the front's limits and hands it on. Else the front answers in its place, once:
 * 413 past max_body_size, 400 for a body that cannot be read, 507 when it cannot be stored, and 408 when nothing of it
 * arrives for body_timeout or, over HTTP/2, when it is not all in within request_read_timeout (Node's own
 * requestTimeout is HTTP/1.1's).
 */
export function receiveBody(front: FrontRequest, receiver: BodyReceiver, received: (body: RequestBody) => void): void {
  const { req, res } = front;
  const { limits } = receiver;
  let answered = false;
  const answer = (reason: FrontReason, status: number, message: string) => {
    if (answered) return;
    answered = true;
    receiver.refuse(front, reason, status, message);
  };
  const stopWatching = receiver.watch.receiving(isHttp2(req) ? http2Peer(res) : req.socket, () =>
    answer(
      'body_timeout',
      408,
      `408 Request Timeout: nothing of the request body arrived for ${limits.bodyTimeoutMs / 1000}s.\n`,
    ),
  );
  const readDeadline =
    isHttp2(req) && limits.requestReadTimeoutMs > 0
      ? setTimeout(
          () =>
            answer(
              'body_timeout',
              408,
              `408 Request Timeout: the request did not arrive within ${limits.requestReadTimeoutMs / 1000}s (request_read_timeout).\n`,
            ),
          Math.max(0, limits.requestReadTimeoutMs - (performance.now() - front.started)),
        ).unref()
      : null;
  const stopClocks = () => {
    stopWatching();
    if (readDeadline) clearTimeout(readDeadline);
  };
  readRequestBody(req, limits.maxBodyBytes, limits.bodyMemoryBytes).then(
    (body) => {
      stopClocks();
      if (answered) return removeTempFiles(body.tempFiles);
      received(body);
    },
    (error: unknown) => {
      stopClocks();
      if (isEphpmError(error) && error.code === 'EPHPM_BODY_NOT_STORED') {
        if (!answered) receiver.logError(`${error.message} ${error.hint}`);
        return answer('body_not_stored', 507, `507 Insufficient Storage: ${error.message}\n`);
      }
      const tooLarge = isEphpmError(error) && error.code === 'EPHPM_BODY_TOO_LARGE';
      answer(
        tooLarge ? 'body_too_large' : 'bad_body',
        tooLarge ? 413 : 400,
        tooLarge
          ? `413 Payload Too Large: ${(error as Error).message}\n`
          : `400 Bad Request: ${isEphpmError(error) ? error.message : 'the request body could not be read.'}\n`,
      );
    },
  );
}

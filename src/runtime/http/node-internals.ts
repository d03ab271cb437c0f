import type { ServerResponse } from 'node:http';

// Node's http module keeps its own record of each response: whether the head
// went out and whether the connection closes afterwards. When PHP wrote the
// whole response to the socket itself (native/http/direct_response.cc), that record
// is brought up to date here, so that Node finishes the response exactly as if
// it had sent it: keep-alive timer, the next pipelined response, closing.
// These are ServerResponse internals (Node 20 and 22 alike);
// test/runtime/direct-write.test.ts covers everything that depends on them.
interface ResponseInternals {
  _header: string | null;
  _headerSent: boolean;
  _last: boolean;
}

const HEAD_SENT_BY_PHP = 'HTTP/1.1 (head sent by PHP)\r\n\r\n';

/** Ends a response whose bytes PHP already wrote; Node writes nothing more. */
export function endResponseSentByPhp(response: ServerResponse, status: number, connectionCloses: boolean): void {
  const internals = response as unknown as ResponseInternals;
  response.statusCode = status;
  internals._header = HEAD_SENT_BY_PHP;
  internals._headerSent = true;
  if (connectionCloses) {
    response.shouldKeepAlive = false;
    internals._last = true;
  }
  response.end();
}

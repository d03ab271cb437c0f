// Pipelined requests (sent before the answer to the one before) are served one at a time per connection, as nginx
// serves them: a request waits, not yet given to PHP, until every response before it on its connection is written
// (handed to the kernel), and the connection is not read meanwhile. Node's http server hands them all on at once:
// a client that pipelined without reading made the worker hold every answer PHP made for it (600 requests for
// 900 KB answers: +115 MB), and Node read on as soon as its queue of unsent answers shrank.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pauseReading, resumeReading } from './node-internals.js';

const WAITING = Symbol('ephpm.pipelinedWaiting');
type PipeliningSocket = Socket & { [WAITING]?: number };

/** Requests read from the connection that wait for the answers before them (not yet given to PHP). */
export function waitingBehind(socket: Socket): number {
  return (socket as PipeliningSocket)[WAITING] ?? 0;
}

/** Calls `serve` once `response`, a pipelined request's, is its connection's current one (every earlier one written). */
export function afterEarlierResponses(response: ServerResponse, socket: Socket, serve: () => void): void {
  const connection = socket as PipeliningSocket;
  if (connection[WAITING] === undefined) {
    connection[WAITING] = 0;
    // After Node's own 'drain' listener, which resumes reading whenever its queue of unsent data is short.
    socket.on('drain', () => {
      if (connection[WAITING]! > 0) pauseReading(socket);
    });
  }
  connection[WAITING]!++;
  pauseReading(socket);
  // Node gives the connection to the next response once the one before is finished.
  response.once('socket', () => {
    if (--connection[WAITING]! === 0) resumeReading(socket);
    serve();
  });
}

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appWorker, runCli, startServer } from '../helpers/ephpm-server.js';

// The control socket takes one JSON line per connection. Only its owner can connect, but a buggy or hostile
// process of that user must not make the supervisor hold an endless line: past 1 MiB the connection is refused.

const rssBytes = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** Writes `bytes` with no newline to the socket, then ends; resolves with everything read back once it closes. */
function sendWithoutNewline(path: string, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(path);
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    socket.on('error', () => undefined); // the server closing while this still writes: EPIPE
    socket.on('close', () => resolve(received));
    socket.write(Buffer.alloc(bytes, 'x'), () => socket.end());
  });
}

describe('the control socket', () => {
  it('answers a line longer than 1 MiB with an error and closes it; the supervisor does not grow, and answers on', async () => {
    const server = await startServer(['--worker', appWorker, '--workers', '1']);
    try {
      const supervisor = server.child.pid!;
      const { controlSocket } = JSON.parse(readFileSync(server.stateFile, 'utf8')) as { controlSocket: string };
      const before = rssBytes(supervisor);

      const reply = await sendWithoutNewline(controlSocket, 64 * 1024 * 1024);
      expect(JSON.parse(reply)).toEqual({
        ok: false,
        error: {
          code: 'EPHPM_CONTROL_PROTOCOL',
          message: 'a control message is one JSON line of at most 1 MiB; this one was longer',
        },
      });
      expect(rssBytes(supervisor) - before).toBeLessThan(32 * 1024 * 1024);

      const status = await runCli(['status', '--json', '--state-file', server.stateFile]);
      expect(status.code).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

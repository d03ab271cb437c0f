import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkNodeInternals } from '../../src/runtime/http/node-internals.js';

describe("the check of Node's internals that direct writes rely on", () => {
  it('passes on this Node version', async () => {
    expect(await checkNodeInternals()).toEqual([]);
  });

  it('names what is missing when a Node version differs, so direct writes are turned off', async () => {
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    const changed = Object.fromEntries(
      Object.entries(response).filter(([key]) => key !== '_headerSent' && key !== 'shouldKeepAlive'),
    );
    expect(await checkNodeInternals({ response: changed, tcpDescriptor: -1 })).toEqual([
      'ServerResponse._headerSent',
      'ServerResponse.shouldKeepAlive',
      "a TCP socket's _handle.fd",
    ]);
  });
});

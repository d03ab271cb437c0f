import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/ephpm-server.js';
import { call, TABLES, tablesWorker } from '../helpers/tables.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(['--worker', tablesWorker, '--workers', '2', '--tables', TABLES]);
});

afterAll(async () => {
  await server?.stop();
});

describe('shared tables under concurrent writers', () => {
  it('two worker processes incrementing one counter 10,000 times each at the same time end at exactly 20,000', async () => {
    type Loop = { pid: number; seen: number[] };
    const loops = await Promise.all(
      [1, 2].map(async () => {
        const response = await fetch(`${server.url}/incr-loop?n=10000&workers=2`);
        expect(response.status).toBe(200); // both met at the barrier: they ran in two processes at once
        return (await response.json()) as Loop;
      }),
    );
    expect(loops[0]!.pid).not.toBe(loops[1]!.pid);
    expect(await call(server, 'counters', 'get', ['hits', 'value'])).toBe(20_000);
    // Every increment saw a value no other one saw: 1..20000, each once.
    const seen = [...loops[0]!.seen, ...loops[1]!.seen].sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
  });

  it('concurrent requests over HTTP, spread over both workers, lose no increment', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => call(server, 'counters', 'incr', ['http', 'value'])),
    );
    expect(new Set(replies).size).toBe(200);
    expect(await call(server, 'counters', 'get', ['http', 'value'])).toBe(200);
  });
});

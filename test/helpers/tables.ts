import { readdirSync } from 'node:fs';
import { fixture, runCli, type RunningServer } from './ephpm-server.js';

export const tablesWorker = fixture('workers', 'tables.php');

/** The shared tables most table tests run with, in Octane's format. */
export const TABLES = JSON.stringify({
  'users:4': { name: 'string:16', votes: 'int', score: 'float' },
  'counters:10': { value: 'int' },
});

export interface OpReply {
  pid: number;
  result?: unknown;
  error?: { class: string; message: string; parents: string[] };
}

/** Calls `table($table)->$op(...$args)` in a worker (see test/fixtures/workers/tables.php). */
export async function op(
  server: RunningServer,
  table: string,
  name: string,
  args: unknown[] = [],
  octane = false,
): Promise<OpReply> {
  const response = await fetch(`${server.url}/op`, {
    method: 'POST',
    body: JSON.stringify({ table, op: name, args, octane }),
  });
  return (await response.json()) as OpReply;
}

/** Its result, failing the test with the PHP exception if there was one. */
export async function call(server: RunningServer, table: string, name: string, args: unknown[] = []): Promise<unknown> {
  const reply = await op(server, table, name, args);
  if (reply.error) throw new Error(`${name}() threw ${reply.error.class}: ${reply.error.message}`);
  return reply.result;
}

/** Runs `ephpm table:…` against a server; JSON output parsed when --json is given. */
export async function tableCli(
  server: RunningServer,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return runCli([...args, '--state-file', server.stateFile]);
}

export function segments(): string[] {
  return readdirSync('/dev/shm').filter((name) => name.startsWith('ephpm-'));
}

import { onNewConnection } from './http-client.js';

// Calls into the Laravel fixture's TableController and CacheController (test/fixtures/laravel): one operation of
// Octane::table() or Cache::store('octane') per request, each on a new connection, so that consecutive calls
// alternate between the request workers.

export interface PhpReply<T = unknown> {
  pid: number;
  result?: T;
  error?: { class: string; message: string };
}

/** `Octane::table($table)->$op(...$args)` (or through `app('octane')` with via = 'binding'); `count`, `foreach` and `fill` too. */
export async function tableOp<T = unknown>(
  url: string,
  table: string,
  op: string,
  args: unknown[] = [],
  extra: Record<string, unknown> = {},
): Promise<PhpReply<T>> {
  const { status, json } = await onNewConnection<PhpReply<T>>(
    `${url}/table/${table}/${op}`,
    JSON.stringify({ args, ...extra }),
  );
  if (status !== 200) throw new Error(`${table}->${op}() answered ${status}: ${JSON.stringify(json).slice(0, 1000)}`);
  return json;
}

/** Its result; a PHP exception fails the test. */
export async function tableCall<T = unknown>(url: string, table: string, op: string, args: unknown[] = []): Promise<T> {
  const reply = await tableOp<T>(url, table, op, args);
  if (reply.error) throw new Error(`${table}->${op}() threw ${reply.error.class}: ${reply.error.message}`);
  return reply.result as T;
}

/** `Cache::store('octane')->$op(...$args)`. */
export async function cacheOp<T = unknown>(url: string, op: string, args: unknown[] = []): Promise<PhpReply<T>> {
  const { status, json } = await onNewConnection<PhpReply<T>>(`${url}/cache/${op}`, JSON.stringify({ args }));
  if (status !== 200) throw new Error(`cache->${op}() answered ${status}: ${JSON.stringify(json).slice(0, 1000)}`);
  return json;
}

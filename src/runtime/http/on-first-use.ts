import type send from '@fastify/send';
import type * as Http2 from 'node:http2';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded the first time a request needs it, not when the worker starts: each worker process
 * keeps in V8's heap every module it ever loaded, and the packages only some requests need (a multipart body, a
 * static file, the JSON access log) kept ~1 MB of it in every worker that never served one.
 */
export function onFirstUse<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}

/** `@fastify/send`, which both static files (`static-files.ts`) and offloaded files (`file-offload/`) go through. */
export const loadSend = onFirstUse<typeof send>('@fastify/send');

/**
 * Node's HTTP/2, for a front that serves it (TLS with `http2`, or `h2c`): a plain HTTP/1.1 front, the default without
 * TLS, never needs it, and its workers are ~0.5 MB smaller without it.
 */
export const loadHttp2 = onFirstUse<typeof Http2>('node:http2');

/** Node's https, for a front with TLS. */
export const loadHttps = onFirstUse<typeof Https>('node:https');

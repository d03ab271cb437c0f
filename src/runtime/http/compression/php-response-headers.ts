import type { Coding } from './negotiation.js';
import { varyWithAcceptEncoding, weakened, type ResponseFacts } from './response-rules.js';

/** The facts the rules read, from PHP's headers (name, value, name, value, …). */
export function phpResponseFacts(status: number, headers: string[], bodyBytes: number): ResponseFacts {
  const facts: ResponseFacts = {
    status,
    contentType: undefined,
    contentEncoding: undefined,
    cacheControl: undefined,
    contentRange: undefined,
    bodyBytes,
  };
  for (let i = 0; i < headers.length; i += 2) {
    const value = headers[i + 1]!;
    switch (headers[i]!.toLowerCase()) {
      case 'content-type':
        facts.contentType = value;
        break;
      case 'content-encoding':
        facts.contentEncoding = value;
        break;
      case 'cache-control':
        facts.cacheControl = facts.cacheControl === undefined ? value : `${facts.cacheControl}, ${value}`;
        break;
      case 'content-range':
        facts.contentRange = value;
        break;
    }
  }
  return facts;
}

/**
 * PHP's headers for a compressible response: with `Vary: Accept-Encoding` (merged into the app's Vary), and when
 * `coding` is set, for its compressed body: `Content-Encoding`, no `Content-Length` (the caller sets the compressed
 * one of a complete body), a strong ETag made weak. The app's other headers stay in their order.
 */
export function compressedPhpHeaders(headers: string[], coding: Coding | null): string[] {
  const out: string[] = [];
  let vary = -1;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    let value = headers[i + 1]!;
    const lower = name.toLowerCase();
    // A Content-Encoding left here can only be the app's `identity`: the coding replaces it.
    if (coding && (lower === 'content-length' || lower === 'content-encoding')) continue;
    if (coding && lower === 'etag') value = weakened(value);
    if (lower === 'vary') {
      if (vary >= 0) {
        out[vary] = `${out[vary]}, ${value}`;
        continue;
      }
      vary = out.length + 1;
    }
    out.push(name, value);
  }
  if (vary >= 0) out[vary] = varyWithAcceptEncoding(out[vary]);
  else out.push('Vary', 'Accept-Encoding');
  if (coding) out.push('Content-Encoding', coding);
  return out;
}

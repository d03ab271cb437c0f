import { hasZstd } from './encoders.js';

/** The content codings the server can produce, in its order of preference when a client rates several alike. */
export type Coding = 'br' | 'zstd' | 'gzip';

const PREFERENCE: readonly Coding[] = ['br', 'zstd', 'gzip'];
/** What this server can compress with itself. */
const PRODUCIBLE: readonly Coding[] = hasZstd ? PREFERENCE : ['br', 'gzip'];

/**
 * The coding to send for a request's `Accept-Encoding` (RFC 9110 §12.5.3), or null for the identity: the
 * highest-rated one of `available` (by default those this server can produce: zstd only where this Node's zlib
 * has it), a tie going to the server's
 * preference (br, zstd, gzip); `*` rates every coding not named; q=0 refuses one. `x-gzip` is gzip. A static file's
 * precompressed siblings are chosen among the same way.
 */
export function negotiateCoding(
  acceptEncoding: string | undefined,
  available: readonly Coding[] = PRODUCIBLE,
): Coding | null {
  if (!acceptEncoding) return null;
  const rated = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...params] = part.split(';');
    let name = token!.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q') q = qValue(value);
    }
    rated.set(name, Math.max(q, rated.get(name) ?? 0));
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available.includes(coding)) continue;
    const q = rated.get(coding) ?? rated.get('*') ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}

function qValue(value: string | undefined): number {
  const q = Number(value?.trim());
  return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0;
}

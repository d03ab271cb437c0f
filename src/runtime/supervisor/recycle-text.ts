import type { RecycleReason } from '../metrics/restarts.js';
import { formatBytes } from '../sizes.js';

/** Why a worker asked to be replaced, as the log says it. */
export function recycleText(
  reason: RecycleReason,
  rssBytes: number,
  limits: { maxRequests: number; maxMemoryBytes: number },
): string {
  if (reason === 'max-requests') return `it is about to serve its ${limits.maxRequests} requests (max_requests)`;
  if (reason === 'memory')
    return `its RSS, ${formatBytes(rssBytes)}, passed max_memory (${formatBytes(limits.maxMemoryBytes)})`;
  return 'PHP stuck past the request timeout';
}

/**
 * Upper bounds of the latency buckets, in seconds: from 0.25 ms (a hello-world request) to 30 s (the default
 * request timeout). Every duration histogram of ephpm uses these, so they can be summed across processes.
 */
export const BUCKET_BOUNDS_SECONDS = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const BOUNDS_MS = BUCKET_BOUNDS_SECONDS.map((seconds) => seconds * 1000);

/**
 * A histogram as it crosses the IPC channel and the control socket: `buckets[i]` counts the observations
 * in (bound[i-1], bound[i]] (not cumulative), the last entry those above the last bound (+Inf).
 */
export interface HistogramCounts {
  buckets: number[];
  sumSeconds: number;
  count: number;
}

/** A histogram kept by the process that observes: one preallocated array, nothing allocated per observation. */
export class Histogram {
  private readonly buckets = new Float64Array(BOUNDS_MS.length + 1);
  private sumMs = 0;
  private count = 0;

  observeMs(ms: number): void {
    let i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++;
    this.buckets[i]!++;
    this.sumMs += ms;
    this.count++;
  }

  counts(): HistogramCounts {
    return { buckets: Array.from(this.buckets), sumSeconds: this.sumMs / 1000, count: this.count };
  }
}

export function emptyHistogram(): HistogramCounts {
  return { buckets: new Array<number>(BOUNDS_MS.length + 1).fill(0), sumSeconds: 0, count: 0 };
}

/** What was observed between two readings of the same cumulative histogram. */
export function histogramDelta(later: HistogramCounts, earlier: HistogramCounts): HistogramCounts {
  return {
    buckets: later.buckets.map((count, i) => Math.max(0, count - (earlier.buckets[i] ?? 0))),
    sumSeconds: Math.max(0, later.sumSeconds - earlier.sumSeconds),
    count: Math.max(0, later.count - earlier.count),
  };
}

/**
 * The q-quantile (0..1) estimated from the buckets the way Prometheus' histogram_quantile() does: find the
 * bucket holding the rank, interpolate linearly inside it (the first bucket starts at 0); a rank in the +Inf
 * bucket gives the highest finite bound. null when nothing was observed.
 */
export function quantile(histogram: HistogramCounts, q: number, bounds = BUCKET_BOUNDS_SECONDS): number | null {
  const total = histogram.buckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.buckets.length; i++) {
    const inBucket = histogram.buckets[i]!;
    if (below + inBucket >= rank && inBucket > 0) {
      if (i >= bounds.length) return bounds[bounds.length - 1]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1]!;
}

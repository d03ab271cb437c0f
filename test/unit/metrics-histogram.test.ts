import { describe, expect, it } from 'vitest';
import {
  BUCKET_BOUNDS_SECONDS,
  emptyHistogram,
  Histogram,
  histogramDelta,
  quantile,
  type HistogramCounts,
} from '../../src/runtime/metrics/histogram.js';
import { addCounts, CounterLedger } from '../../src/runtime/metrics/ledger.js';

const bounds = [0.1, 0.2, 0.4];
const counts = (buckets: number[]): HistogramCounts => ({
  buckets,
  sumSeconds: 0,
  count: buckets.reduce((a, b) => a + b, 0),
});

describe('histogram buckets', () => {
  it('put each observation in the first bucket whose bound it does not exceed (bounds are inclusive), the rest in +Inf', () => {
    const histogram = new Histogram();
    histogram.observeMs(0.25); // = the first bound, 0.25 ms
    histogram.observeMs(0.26);
    histogram.observeMs(1000); // 1 s
    histogram.observeMs(60_000); // past the last bound
    const { buckets, sumSeconds, count } = histogram.counts();
    expect(buckets).toHaveLength(BUCKET_BOUNDS_SECONDS.length + 1);
    expect(buckets[0]).toBe(1);
    expect(buckets[1]).toBe(1);
    expect(buckets[BUCKET_BOUNDS_SECONDS.indexOf(1)]).toBe(1);
    expect(buckets.at(-1)).toBe(1);
    expect(count).toBe(4);
    expect(sumSeconds).toBeCloseTo(61.00051, 6);
  });

  it('quantiles interpolate linearly inside the bucket that holds the rank, as histogram_quantile() does', () => {
    // 10 in (0, 0.1], 10 in (0.1, 0.2], none above.
    const h = counts([10, 10, 0, 0]);
    expect(quantile(h, 0.5, bounds)).toBeCloseTo(0.1, 9);
    expect(quantile(h, 0.25, bounds)).toBeCloseTo(0.05, 9);
    expect(quantile(h, 0.75, bounds)).toBeCloseTo(0.15, 9);
    expect(quantile(h, 0.99, bounds)).toBeCloseTo(0.198, 9);
    // Everything in (0.2, 0.4]: the median is that bucket's middle.
    expect(quantile(counts([0, 0, 4, 0]), 0.5, bounds)).toBeCloseTo(0.3, 9);
  });

  it('a rank in the +Inf bucket gives the highest finite bound; nothing observed gives null', () => {
    expect(quantile(counts([1, 0, 0, 9]), 0.99, bounds)).toBe(0.4);
    expect(quantile(counts([0, 0, 0, 0]), 0.5, bounds)).toBeNull();
  });

  it('the difference of two readings is what was observed in between', () => {
    const before = counts([1, 2, 0, 0]);
    const after = { ...counts([3, 2, 5, 1]), sumSeconds: 2 };
    expect(histogramDelta(after, before)).toEqual({ buckets: [2, 0, 5, 1], sumSeconds: 2, count: 8 });
  });
});

describe('counters of processes that come and go', () => {
  it('add up entry by entry, nested', () => {
    expect(addCounts({ a: 1, b: [1, 2], c: { d: 3 } }, { a: 2, b: [10, 20], c: { d: 4 } })).toEqual({
      a: 3,
      b: [11, 22],
      c: { d: 7 },
    });
  });

  it('never go down when a process exits: its last report stays in the total', () => {
    const ledger = new CounterLedger(() => ({ requests: 0, duration: emptyHistogram() }));
    const one = { requests: 5, duration: counts(new Array<number>(BUCKET_BOUNDS_SECONDS.length + 1).fill(1)) };
    const two = { requests: 7, duration: emptyHistogram() };
    expect(ledger.total([one, two]).requests).toBe(12);
    ledger.retire(one); // process one exited
    expect(ledger.total([two]).requests).toBe(12);
    expect(ledger.total([two, { requests: 1, duration: emptyHistogram() }]).requests).toBe(13); // its replacement
    expect(ledger.total([two]).duration.count).toBe(BUCKET_BOUNDS_SECONDS.length + 1);
  });
});

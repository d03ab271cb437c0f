import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeBurst, MAX_BURST_MS } from '../../src/runtime/dev/change-burst.js';

describe('bursts of file changes (ephpm dev)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('end one debounce after the last change, as one restart with every file once', () => {
    const bursts: string[][] = [];
    const burst = new ChangeBurst(200, (files) => bursts.push(files));
    burst.add('a.php');
    vi.advanceTimersByTime(150);
    burst.add('b.php');
    burst.add('a.php');
    vi.advanceTimersByTime(199);
    expect(bursts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(bursts).toEqual([['a.php', 'b.php']]);
  });

  it('end at most 2 s after their first change when a file keeps changing', () => {
    const endedAt: number[] = [];
    const start = Date.now();
    const burst = new ChangeBurst(200, () => endedAt.push(Date.now() - start));
    for (let t = 0; t < MAX_BURST_MS + 1000; t += 100) {
      burst.add('build.php');
      vi.advanceTimersByTime(100);
    }
    expect(endedAt[0]).toBe(MAX_BURST_MS);
  });

  it('wait the whole debounce when it is longer than 2 s', () => {
    const bursts: string[][] = [];
    const burst = new ChangeBurst(3000, (files) => bursts.push(files));
    burst.add('a.php');
    vi.advanceTimersByTime(2999);
    expect(bursts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(bursts).toEqual([['a.php']]);
  });

  it('report nothing once cancelled', () => {
    const bursts: string[][] = [];
    const burst = new ChangeBurst(200, (files) => bursts.push(files));
    burst.add('a.php');
    burst.cancel();
    vi.advanceTimersByTime(5000);
    expect(bursts).toEqual([]);
  });
});

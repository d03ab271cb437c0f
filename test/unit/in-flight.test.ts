import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/runtime/php/in-flight.js';

describe('the in-flight registry', () => {
  it('lists requests oldest first, counts them, and takes each one once', () => {
    const inFlight = new InFlight<string>();
    for (const id of [3, 1, 2, 10]) inFlight.add(id, `request ${id}`);
    expect(inFlight.size).toBe(4);
    expect(inFlight.list().map(([id]) => id)).toEqual([1, 2, 3, 10]);
    expect(inFlight.take(2)).toBe('request 2');
    expect(inFlight.take(2)).toBeUndefined();
    expect(inFlight.size).toBe(3);
    expect(inFlight.get(10)).toBe('request 10');
  });

  it('gives a snapshot that stays valid while entries are taken during the loop', () => {
    const inFlight = new InFlight<number>();
    for (let id = 1; id <= 5; id++) inFlight.add(id, id);
    const seen: number[] = [];
    for (const [id] of inFlight.list()) {
      seen.push(id);
      inFlight.take(id + 1);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(inFlight.size).toBe(1);
  });

  it('does not count an id twice when it is added again', () => {
    const inFlight = new InFlight<string>();
    inFlight.add(7, 'a');
    inFlight.add(7, 'b');
    expect(inFlight.size).toBe(1);
    expect(inFlight.get(7)).toBe('b');
  });
});

import { describe, expect, it } from 'vitest';
import { IDLE_RELEASE_AFTER_MS, IDLE_RELEASE_MIN_GAP_MS, IdleMemory } from '../../src/runtime/http/idle-memory.js';

/** An IdleMemory on a clock the test moves, ticked once a second, counting its releases. */
function worker() {
  let now = 0;
  let releases = 0;
  const memory = new IdleMemory(
    () => releases++,
    () => now,
  );
  let total = 0;
  return {
    get releases() {
      return releases;
    },
    /** Answers a request every 10 ms for `ms`. */
    busy(ms: number) {
      for (const end = now + ms; now < end; now += 10) {
        memory.served(++total);
        if (now % 1000 === 0) memory.tick();
      }
    },
    idle(ms: number) {
      for (const end = now + ms; now < end; now += 1000) memory.tick();
    },
  };
}

describe('when a request worker gives memory back', () => {
  it('is once it has been idle after answering requests, never while it answers them', () => {
    const w = worker();
    w.idle(60_000);
    expect(w.releases).toBe(0); // nothing served yet: nothing to give back
    w.busy(60_000);
    expect(w.releases).toBe(0);
    w.idle(IDLE_RELEASE_AFTER_MS - 1000);
    expect(w.releases).toBe(0);
    w.idle(2000);
    expect(w.releases).toBe(1);
    w.idle(120_000);
    expect(w.releases).toBe(1); // idle since: nothing new to give back
  });

  it('is at most once per minimum gap when requests trickle in', () => {
    const w = worker();
    for (let second = 0; second < 120; second += 5) {
      w.busy(10);
      w.idle(5000);
    }
    expect(w.releases).toBe(Math.ceil(120_000 / IDLE_RELEASE_MIN_GAP_MS));
  });
});

import { describe, expect, it } from 'vitest';
import { Recycling } from '../../src/runtime/http/recycling.js';
import type { RecycleReason } from '../../src/runtime/metrics/restarts.js';

function recycling(maxRequests: number, bootSeconds: number, clock = { ms: 0 }) {
  const asked: RecycleReason[] = [];
  let handedOver = 0;
  const subject = new Recycling(
    { maxRequests, maxMemoryBytes: 0 },
    bootSeconds,
    {
      replaceMe: (reason) => asked.push(reason),
      handOver: () => handedOver++,
    },
    () => clock.ms,
  );
  return { subject, asked, handedOver: () => handedOver };
}

describe('recycling after max_requests', () => {
  it('asks for the replacement once and hands over only when both the limit is reached and the replacement serves', () => {
    const { subject, asked, handedOver } = recycling(3, 0);
    subject.served(1);
    subject.served(2);
    expect(asked).toEqual([]);
    subject.served(3);
    expect(asked).toEqual(['max-requests']);
    expect(handedOver()).toBe(0); // the replacement is still booting: keep serving
    subject.served(4);
    subject.replacementServes();
    expect(handedOver()).toBe(1);
    expect(asked).toEqual(['max-requests']);
  });

  it('asks ahead of the limit, as many requests early as it serves in three of its boots, and hands over at the limit', () => {
    const clock = { ms: 0 };
    const { subject, asked, handedOver } = recycling(1000, 0.5, clock);
    let total = 0;
    const serve = (until: number) => {
      while (total < until) {
        clock.ms += 10; // 100 requests a second: three boots of 0.5 s are 150 requests
        subject.served(++total);
      }
    };
    serve(848);
    expect(asked).toEqual([]);
    serve(856);
    expect(asked).toEqual(['max-requests']);
    subject.replacementServes();
    expect(handedOver()).toBe(0); // the limit is not reached yet: both serve
    serve(1000);
    expect(handedOver()).toBe(1);
  });

  it('hands over before the limit once its replacement serves and no request came for a second (the traffic stopped)', () => {
    const clock = { ms: 0 };
    const { subject, asked, handedOver } = recycling(1000, 0.5, clock);
    for (let total = 1; total <= 900; total++) {
      clock.ms += 10;
      subject.served(total);
    }
    expect(asked).toEqual(['max-requests']);
    subject.replacementServes();
    clock.ms += 500;
    subject.tick();
    expect(handedOver()).toBe(0); // still within the second: requests may come
    clock.ms += 600;
    subject.tick();
    expect(handedOver()).toBe(1);
  });
});

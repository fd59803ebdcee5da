import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateCap } from '../../src/throttle/rate-cap.js';

describe('the result cap', () => {
  it('allows `limit` results in any 60 s and says when the next slot frees', () => {
    const cap = new RateCap(2);
    expect(cap.allows(0)).toBe(true);
    cap.record(0);
    cap.record(10_000);
    expect(cap.allows(59_999)).toBe(false);
    expect(cap.nextFreeAt()).toBe(60_000);
    expect(cap.allows(60_000)).toBe(true);
    cap.record(60_000);
    expect(cap.allows(69_999)).toBe(false);
    expect(cap.nextFreeAt()).toBe(70_000);
  });

  it('keeps recent history across a resize', () => {
    const cap = new RateCap(3);
    [0, 1, 2].forEach((t) => {
      cap.record(t);
    });
    cap.resize(2);
    expect(cap.allows(59_000)).toBe(false);
    cap.resize(5);
    expect(cap.allows(59_000)).toBe(true);
  });

  it('never lets more than `limit` through in any 60 s window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 300 }),
        (limit, gaps) => {
          const cap = new RateCap(limit);
          const sent: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            if (cap.allows(now)) {
              cap.record(now);
              sent.push(now);
            }
          }
          for (let i = limit; i < sent.length; i++) expect(sent[i]! - sent[i - limit]!).toBeGreaterThanOrEqual(60_000);
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { RecentTotals } from '../../src/status/recent-totals.js';

describe('RecentTotals', () => {
  it('counts over the last 1, 5 and 15 minutes from samples of a running total', () => {
    const recent = new RecentTotals();
    const t0 = 1_000_000;
    // 10 per minute for 20 minutes, sampled every 5 s.
    for (let s = 0; s <= 20 * 60; s += 5) recent.record(t0 + s * 1000, Math.floor(s / 6));
    const now = t0 + 20 * 60_000;
    expect(recent.counts(now, 200)).toEqual({ m1: 10, m5: 50, m15: 150 });
  });

  it('counts since the start before a window has passed', () => {
    const recent = new RecentTotals();
    recent.record(0, 0);
    recent.record(30_000, 7);
    expect(recent.counts(30_000, 7)).toEqual({ m1: 7, m5: 7, m15: 7 });
  });

  it('keeps about 15 minutes of samples, not everything', () => {
    const recent = new RecentTotals();
    for (let s = 0; s < 24 * 3600; s += 5) recent.record(s * 1000, s);
    // A day later the 15-minute count is still right, and memory stayed bounded.
    const now = (24 * 3600 - 5) * 1000;
    expect(recent.counts(now, 24 * 3600 - 5)).toEqual({ m1: 60, m5: 300, m15: 900 });
    expect((recent as unknown as { samples: unknown[] }).samples.length).toBeLessThanOrEqual(15 * 12 + 2);
  });
});

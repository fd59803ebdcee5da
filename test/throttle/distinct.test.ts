import { describe, expect, it } from 'vitest';
import { DistinctCounter } from '../../src/throttle/distinct.js';

describe('distinct source counting', () => {
  it('is exact for the first 1024 keys, duplicates ignored', () => {
    const counter = new DistinctCounter();
    for (let i = 0; i < 1024; i++) counter.add(`k${i % 700}`);
    expect(counter.count()).toBe(700);
    expect(counter.isExact).toBe(true);
  });

  it.each([2_000, 50_000, 1_000_000])('estimates %i keys within 5 %% in 4 KiB', (n) => {
    const counter = new DistinctCounter();
    for (let i = 0; i < n; i++) counter.add(`sshd\u0000198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    for (let i = 0; i < n; i += 3) counter.add(`sshd\u0000198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(counter.isExact).toBe(false);
    expect(Math.abs(counter.count() - n) / n).toBeLessThan(0.05);
  });
});

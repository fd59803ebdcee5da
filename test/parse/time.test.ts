import { describe, expect, it } from 'vitest';
import { resolveYearless, TimeZoneResolver, YearlessResolver } from '../../src/parse/time.js';

describe('YearlessResolver (the parser\u2019s cached resolveYearless)', () => {
  it('agrees with resolveYearless for every day a header can spell, in either order of arrival', () => {
    const now = Date.parse('2026-02-01T12:00:00Z');
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York']) {
      const resolver = new TimeZoneResolver(zone);
      // The header scanner reads two-digit days: 0-99, so an impossible day must not take the
      // cached answer of a real date whose minute it would collide with ("Jan 33" / "Feb 1").
      const walls = [];
      for (let month = 0; month < 12; month++)
        for (let day = 0; day <= 99; day++) walls.push({ month, day, hour: 11, minute: 0, second: 7 });
      for (const order of [walls, [...walls].reverse()]) {
        const cached = new YearlessResolver(resolver);
        for (const w of order)
          expect(
            cached.resolve(w.month, w.day, w.hour, w.minute, w.second, now),
            `${zone} ${JSON.stringify(w)}`,
          ).toEqual(resolveYearless(w, now, resolver));
      }
    }
  });
});

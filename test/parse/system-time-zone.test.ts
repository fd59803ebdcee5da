import { describe, expect, it } from 'vitest';
import { systemTimeZone } from '../../src/parse/system-time-zone.js';
import { TimeZoneResolver } from '../../src/parse/time.js';

const intlZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
const link = (target: string | null) => () => target;

describe('the machine time zone', () => {
  it('is UTC, without asking ICU, when /etc/localtime links to a name of UTC and TZ is unset', () => {
    for (const name of ['Etc/UTC', 'UTC', 'Etc/Universal', 'Zulu'])
      expect(systemTimeZone({ tz: undefined, localtimeTarget: link(`/usr/share/zoneinfo/${name}`) })).toBe('UTC');
    expect(systemTimeZone({ tz: undefined, localtimeTarget: link('../usr/share/zoneinfo/Etc/UTC') })).toBe('UTC');
  });

  it('is UTC when TZ names UTC, with or without the leading colon', () => {
    expect(systemTimeZone({ tz: 'UTC', localtimeTarget: link(null) })).toBe('UTC');
    expect(systemTimeZone({ tz: ':Etc/UTC', localtimeTarget: link('/usr/share/zoneinfo/Europe/Berlin') })).toBe('UTC');
  });

  it("is Intl's answer for any other zone, a TZ that overrides the link, or no link at all", () => {
    expect(systemTimeZone({ tz: undefined, localtimeTarget: link('/usr/share/zoneinfo/Europe/Berlin') })).toBe(
      intlZone(),
    );
    expect(systemTimeZone({ tz: 'Europe/Berlin', localtimeTarget: link('/usr/share/zoneinfo/Etc/UTC') })).toBe(
      intlZone(),
    );
    expect(systemTimeZone({ tz: undefined, localtimeTarget: link(null) })).toBe(intlZone());
    // GMT-like names are left to Intl rather than guessed (Etc/GMT+5 is not UTC).
    expect(systemTimeZone({ tz: undefined, localtimeTarget: link('/usr/share/zoneinfo/Etc/GMT+5') })).toBe(intlZone());
  });

  it("on this machine gives the same offsets as Intl's own idea of the zone", () => {
    const ours = new TimeZoneResolver(systemTimeZone());
    const intl = new TimeZoneResolver(intlZone());
    for (const iso of [
      '2026-01-15T12:00:00Z',
      '2026-07-15T12:00:00Z',
      '2026-03-29T01:30:00Z',
      '2026-10-25T00:30:00Z',
    ]) {
      const ms = Date.parse(iso);
      expect(ours.offsetAt(ms), iso).toBe(intl.offsetAt(ms));
    }
  });
});

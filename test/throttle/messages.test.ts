import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import { describe, expect, it } from 'vitest';
import { TimeZoneResolver } from '../../src/parse/time.js';
import { formatEventTime, heartbeatText, withPerfdata } from '../../src/throttle/messages.js';
import { Harness } from './throttle-harness.js';

describe('result texts', () => {
  it('print event times in the offset the log wrote them in', () => {
    const utc = new TimeZoneResolver('UTC');
    const ms = Date.parse('2026-11-21T15:39:32.040Z');
    expect(formatEventTime(ms, 60, utc)).toBe('2026-11-21T16:39:32.040+01:00');
    expect(formatEventTime(Date.parse('2026-11-21T15:39:32Z'), -300, utc)).toBe('2026-11-21T10:39:32-05:00');
    expect(formatEventTime(ms, undefined, new TimeZoneResolver('Europe/Berlin'))).toBe('2026-11-21T16:39:32.040+01:00');
    expect(formatEventTime(NaN, 0, utc)).toBe('an unknown time');
  });

  it('use the configured zone when the event carries no offset', async () => {
    const h = await Harness.create({ source: { timezone: 'Europe/Berlin' } });
    const [alert] = h.offer({ utcOffsetMinutes: undefined, time: new Date('2026-07-01T10:00:00Z') });
    expect(alert?.output).toBe('Denied sshd from 198.51.100.7 at 2026-07-01T12:00:00+02:00 | refusals=1 sources=1');
  });

  it('always end in perfdata', () => {
    expect(withPerfdata('x', 3, 2, NSCA_FIELD_LIMITS)).toBe('x | refusals=3 sources=2');
    expect(heartbeatText(300)).toBe('OK: no refusals reported in the last 300s; wrapwatch is running');
  });
});

import { describe, expect, it } from 'vitest';
import { parseSyslogHeader } from '../../src/parse/header.js';
import { TimeZoneResolver } from '../../src/parse/time.js';

const at = (iso: string, zone = 'UTC') => ({ nowMs: Date.parse(iso), zone: new TimeZoneResolver(zone) });
const NOW = at('2026-11-21T16:00:00Z');

describe('traditional (RFC 3164) headers', () => {
  it('reads the fields of a real line', () => {
    expect(parseSyslogHeader('Nov 21 15:39:32 vm xinetd[11138]: msg text', NOW)).toEqual({
      format: 'rfc3164',
      time: new Date('2026-11-21T15:39:32Z'),
      utcOffsetMinutes: 0,
      host: 'vm',
      tag: 'xinetd',
      pid: 11138,
      message: 'msg text',
    });
  });

  it('accepts the space-padded day and the unpadded one', () => {
    expect(parseSyslogHeader('Jan  2 20:24:17 gate sshd[1]: x', at('2026-01-03T00:00:00Z'))?.time).toEqual(
      new Date('2026-01-02T20:24:17Z'),
    );
    expect(parseSyslogHeader('Jan 2 20:24:17 gate sshd[1]: x', at('2026-01-03T00:00:00Z'))?.time).toEqual(
      new Date('2026-01-02T20:24:17Z'),
    );
  });

  it('puts a December line read in early January into the old year', () => {
    expect(parseSyslogHeader('Dec 31 23:59:58 vm sshd[1]: x', at('2027-01-01T00:00:05Z'))?.time).toEqual(
      new Date('2026-12-31T23:59:58Z'),
    );
  });

  it('puts a January line from a host whose clock runs ahead on December 31 into the new year', () => {
    expect(parseSyslogHeader('Jan  1 00:00:03 vm sshd[1]: x', at('2026-12-31T23:59:50Z'))?.time).toEqual(
      new Date('2027-01-01T00:00:03Z'),
    );
  });

  it('keeps Feb 29 in the leap year it belongs to and rejects impossible dates', () => {
    expect(parseSyslogHeader('Feb 29 12:00:00 vm sshd[1]: x', at('2028-03-01T00:00:00Z'))?.time).toEqual(
      new Date('2028-02-29T12:00:00Z'),
    );
    expect(parseSyslogHeader('Feb 30 12:00:00 vm sshd[1]: x', NOW)).toBeNull();
    expect(parseSyslogHeader('Foo 21 12:00:00 vm sshd[1]: x', NOW)).toBeNull();
    expect(parseSyslogHeader('Nov 21 25:00:00 vm sshd[1]: x', NOW)).toBeNull();
  });

  it('reads the wall clock in the configured zone, daylight saving included', () => {
    const berlin = (iso: string) => at(iso, 'Europe/Berlin');
    const winter = parseSyslogHeader('Nov 21 16:39:32 vm sshd[1]: x', berlin('2026-11-21T16:00:00Z'));
    expect(winter?.time).toEqual(new Date('2026-11-21T15:39:32Z'));
    expect(winter?.utcOffsetMinutes).toBe(60);
    const summer = parseSyslogHeader('Jul  1 12:00:00 vm sshd[1]: x', berlin('2026-07-01T12:00:00Z'));
    expect(summer?.time).toEqual(new Date('2026-07-01T10:00:00Z'));
    expect(summer?.utcOffsetMinutes).toBe(120);
    const newYork = parseSyslogHeader('Mar  8 03:30:00 vm sshd[1]: x', at('2026-03-08T12:00:00Z', 'America/New_York'));
    expect(newYork?.utcOffsetMinutes).toBe(-240);
  });

  it('takes a tag without [pid], and rejects tags with blanks or a missing colon', () => {
    expect(parseSyslogHeader('Nov 21 15:47:46 vm stunnel: LOG5[ui]: x', NOW)).toMatchObject({
      tag: 'stunnel',
      pid: null,
      message: 'LOG5[ui]: x',
    });
    expect(parseSyslogHeader('Nov 21 15:47:46 vm bar: sshd[99]: x', NOW)).toMatchObject({
      tag: 'bar',
      pid: null,
      message: 'sshd[99]: x',
    });
    expect(parseSyslogHeader('Nov 21 15:47:46 vm just text here', NOW)).toBeNull();
    expect(parseSyslogHeader('Nov 21 15:47:46 vm sshd[12x]: x', NOW)).toBeNull();
  });
});

describe('RFC 3339 (RSYSLOG_FileFormat, Debian 12) headers', () => {
  it('reads the fields and keeps the offset', () => {
    const r = parseSyslogHeader('2026-11-21T15:39:32.040831+00:00 vm xinetd[11138]: msg', NOW);
    expect(r).toMatchObject({
      format: 'rfc3339',
      host: 'vm',
      tag: 'xinetd',
      pid: 11138,
      message: 'msg',
      utcOffsetMinutes: 0,
    });
    expect(r?.time.toISOString()).toBe('2026-11-21T15:39:32.040Z');
    const east = parseSyslogHeader('2026-11-21T16:39:32.5+01:00 vm sshd[1]: m', NOW);
    expect(east?.time.toISOString()).toBe('2026-11-21T15:39:32.500Z');
    expect(east?.utcOffsetMinutes).toBe(60);
    expect(parseSyslogHeader('2026-11-21T15:39:32Z vm sshd[1]: m', NOW)?.time.toISOString()).toBe(
      '2026-11-21T15:39:32.000Z',
    );
  });

  it('rejects malformed timestamps', () => {
    expect(parseSyslogHeader('2026-13-21T15:39:32+00:00 vm sshd[1]: m', NOW)).toBeNull();
    expect(parseSyslogHeader('2026-11-21 15:39:32 vm sshd[1]: m', NOW)).toBeNull();
    expect(parseSyslogHeader('2026-11-21T15:39:32 vm sshd[1]: m', NOW)).toBeNull();
  });
});

describe('RFC 5424 headers', () => {
  it('reads the fields of rsyslog output (two blanks before the message)', () => {
    expect(
      parseSyslogHeader('<30>1 2026-11-21T15:39:32.040831+00:00 vm xinetd 11138 - -  libwrap x', NOW),
    ).toMatchObject({
      format: 'rfc5424',
      host: 'vm',
      tag: 'xinetd',
      pid: 11138,
      message: 'libwrap x',
    });
  });

  it('treats PROCID "-" as no pid and skips structured data, escapes included', () => {
    expect(parseSyslogHeader('<28>1 2026-11-21T15:47:48.962281+00:00 vm stunnel - - -  LOG4[1]: x', NOW)).toMatchObject(
      { pid: null, message: 'LOG4[1]: x' },
    );
    const sd = '<13>1 2026-11-21T15:39:32Z vm sshd 42 ID47 [ex@32473 a="x\\"]y" b="2"][more@1 c="]"] refused';
    expect(parseSyslogHeader(sd, NOW)).toMatchObject({ pid: 42, message: 'refused' });
    expect(parseSyslogHeader('<13>1 2026-11-21T15:39:32Z vm sshd 42 - [unterminated refused', NOW)).toBeNull();
  });

  it('strips a UTF-8 byte order mark and takes a nil timestamp as now', () => {
    const r = parseSyslogHeader('<13>1 - vm sshd 42 - - \uFEFFhello', NOW);
    expect(r).toMatchObject({ message: 'hello' });
    expect(r?.time.getTime()).toBe(NOW.nowMs);
  });
});

import { describe, expect, it } from 'vitest';
import { isForged, mapEntry } from '../../src/source/journal-entry.js';

describe('the journal forgery rule', () => {
  it.each([
    ['sshd', 'sshd', '/usr/sbin/sshd', false],
    ['sshd', 'logger', '/usr/bin/logger', true],
    ['sshd', 'sshd', '/usr/bin/logger', true],
    ['sshd', 'logger', null, true],
    ['sshd', null, '/tmp/logger', true],
    // Nothing trusted to compare with (process gone before journald looked): cannot judge.
    ['sshd', null, null, false],
    // tcpd-wrapped daemons log under the wrapped name from a process called tcpd.
    ['in.telnetd', 'tcpd', '/usr/sbin/tcpd', false],
    ['in.telnetd', 'in.telnetd', '/usr/sbin/in.telnetd', false],
    // The kernel keeps 15 characters of a process name.
    ['in.some-long-daemond', 'in.some-long-da', '/usr/sbin/in.some-long-daemond', false],
    ['in.some-long-daemond', 'in.some-long-d', '/usr/sbin/in.some-long-daemond', true],
    ['stunnel', 'stunnel4', '/usr/bin/stunnel4', false],
    ['sshd', 'sshd-session', '/usr/lib/openssh/sshd-session', false],
    ['sshd', 'sshd', '/usr/sbin/sshd (deleted)', false],
    ['/usr/sbin/in.ftpd', 'in.ftpd', '/usr/sbin/in.ftpd', false],
    ['xinetd', 'bash', '/usr/bin/bash', true],
  ])('identifier %s, _COMM %s, _EXE %s: forged %s', (identifier, comm, exe, forged) => {
    expect(isForged(identifier, comm, exe)).toBe(forged);
  });
});

describe('mapEntry', () => {
  const base = {
    __CURSOR: 's=1;i=1',
    __REALTIME_TIMESTAMP: '1795277731290119',
    SYSLOG_IDENTIFIER: 'sshd',
    _COMM: 'sshd',
  };
  const options = { maxLineBytes: 100, rejectForged: true, now: Date.UTC(2026, 10, 21, 12) };

  it('takes the time from __REALTIME_TIMESTAMP in microseconds', () => {
    const mapped = mapEntry({ ...base, MESSAGE: 'hi' }, options);
    expect(mapped?.record?.time.getTime()).toBe(1795277731290);
  });

  it('falls back to SYSLOG_TIMESTAMP, placing a December entry read in January in the year before', () => {
    const jan = { ...options, now: new Date(2027, 0, 2).getTime() };
    const mapped = mapEntry({ __CURSOR: 'c', SYSLOG_TIMESTAMP: 'Dec 31 23:59:58 ', MESSAGE: 'hi' }, jan);
    expect(mapped?.record?.time).toEqual(new Date(2026, 11, 31, 23, 59, 58));
  });

  it('prefers the claimed SYSLOG_PID and keeps the trusted _PID beside it', () => {
    const mapped = mapEntry({ ...base, SYSLOG_PID: '12', _PID: '34', MESSAGE: 'hi' }, options);
    expect(mapped?.record).toMatchObject({ pid: 12, trustedPid: 34 });
  });

  it('judges only entries that could be refusals', () => {
    const chatter = mapEntry({ ...base, _COMM: 'python3', MESSAGE: 'Accepted publickey for root' }, options);
    expect(chatter?.defect).toBeNull();
    const refusal = mapEntry(
      { ...base, _COMM: 'python3', MESSAGE: 'refused connect from 192.0.2.1 (192.0.2.1)' },
      options,
    );
    expect(refusal?.defect).toBe('forged');
  });

  it('classifies byte-array messages: invalid UTF-8, control bytes, and valid UTF-8 with an escape', () => {
    expect(mapEntry({ ...base, MESSAGE: [0xff, 0x41] }, options)?.defect).toBe('invalid-utf8');
    expect(mapEntry({ ...base, MESSAGE: [0x65, 0x1b, 0x5b] }, options)?.defect).toBe('binary');
    expect(mapEntry({ ...base, MESSAGE: [0xc3, 0xa9] }, options)?.record?.message).toBe('é');
    expect(mapEntry({ ...base, MESSAGE: null }, options)?.defect).toBe('too-long');
  });

  it('ignores an object without a cursor', () => {
    expect(mapEntry({ MESSAGE: 'x' }, options)).toBeNull();
  });
});

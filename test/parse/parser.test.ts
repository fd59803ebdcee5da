import { describe, expect, it } from 'vitest';
import { LineParser, type ParseResult } from '../../src/parse/parser.js';
import type { JournalRecord, RefusalEvent } from '../../src/types.js';

const parser = new LineParser({ timeZone: 'UTC', now: () => Date.parse('2026-11-21T16:00:00Z') });
/** The event, with a client-address peer also spread as `address`/`family` for short expectations. */
const event = (line: string): (RefusalEvent & { address?: string; family?: 4 | 6 }) | null => {
  const r: ParseResult = parser.parseLine(line);
  if (r.kind !== 'refusal') return null;
  const peer = r.event.peer;
  return peer.kind === 'client-address' ? { ...r.event, address: peer.address, family: peer.family } : r.event;
};
const reason = (line: string) => {
  const r = parser.parseLine(line);
  return r.kind === 'not-reported' ? r.reason : r.kind;
};
const H = 'Nov 21 15:39:32 vm';

describe('refusal formats', () => {
  it('libwrap: only the final (ADDR) is trusted; the client text is kept, sanitised', () => {
    expect(event(`${H} in.telnetd[7]: refused connect from evil.example (127.0.0.5)`)).toMatchObject({
      kind: 'libwrap',
      daemon: 'in.telnetd',
      service: 'in.telnetd',
      address: '127.0.0.5',
      client: 'evil.example',
    });
    expect(event(`${H} sshd[7]: refused connect from root@6.6.6.6@127.0.0.2 (127.0.0.2)`)).toMatchObject({
      address: '127.0.0.2',
      client: 'root@6.6.6.6@127.0.0.2',
    });
    expect(event(`${H} sshd[7]: refused connect from x)(6.6.6.6@::1 (::1)`)).toMatchObject({
      address: '::1',
      family: 6,
    });
    expect(event(`${H} sshd[7]: refused connect from a%sb%n@::1 (::1)`)).toMatchObject({
      address: '::1',
      client: 'a%sb%n@::1',
    });
    expect(event(`${H} sshd[7]: refused connect from #033[31mred@127.0.0.2 (127.0.0.2)`)).toMatchObject({
      client: '#033[31mred@127.0.0.2',
    });
  });

  it('xinetd: both lines, the access_control prefix, and the service id', () => {
    expect(
      event(`${H} xinetd[5]: libwrap refused connection to daytime-stream (libwrap=daytime) from ::ffff:127.0.0.1`),
    ).toMatchObject({
      kind: 'xinetd-libwrap',
      service: 'daytime-stream',
      address: '127.0.0.1',
      family: 4,
      client: null,
    });
    expect(
      event(`${H} xinetd[5]: 5 {access_control} libwrap refused connection to echo (libwrap=echo) from 10.0.0.1`),
    ).toMatchObject({ service: 'echo' });
    expect(event(`${H} xinetd[5]: FAIL: echo-stream libwrap from=2001:db8:0:0:1:0:0:1`)).toMatchObject({
      kind: 'xinetd-fail',
      address: '2001:db8::1:0:0:1',
    });
  });

  it('rpcbind, stunnel, socat, openbsd-inetd and tftpd-hpa', () => {
    expect(
      event(`${H} rpcbind[9]: connect from 10.1.2.3 to getport/addr(portmapper): request from unauthorized host`),
    ).toMatchObject({
      kind: 'rpcbind',
      daemon: 'rpcbind',
      service: 'rpcbind',
      address: '10.1.2.3',
    });
    expect(event(`${H} stunnel: LOG4[1]: Service [wraptls6] REFUSED by libwrap from ::1:34498`)).toMatchObject({
      kind: 'stunnel',
      service: 'wraptls6',
      address: '::1',
      pid: null,
    });
    expect(event(`${H} stunnel: LOG4[2]: Service [tls] REFUSED by libwrap from 2001:db8::7:443`)).toMatchObject({
      address: '2001:db8::7',
    });
    expect(
      event(`${H} socat[6]: W refusing connection from AF=2 127.0.0.1:41154 due to tcpwrapper option`),
    ).toMatchObject({ kind: 'socat', service: null, address: '127.0.0.1' });
    expect(
      event(
        `${H} socat[6]: W refusing connection from AF=10 [0000:0000:0000:0000:0000:0000:0000:0001]:36042 due to tcpwrapper option`,
      ),
    ).toMatchObject({ address: '::1', family: 6 });
    expect(
      event(
        `${H} socat[6]: W refusing connection from AF=2 [0000:0000:0000:0000:0000:0000:0000:0001]:1 due to tcpwrapper option`,
      ),
    ).toBeNull();
    expect(
      event(
        `${H} socat[6]: W refusing connection from AF=10 [0000:0000:0000:0000:0000:ffff:7f00:0001]:5 due to tcpwrapper option`,
      ),
    ).toMatchObject({ address: '127.0.0.1', family: 4 });
    expect(event(`${H} socat[6]: W refusing connection from AF=2 1.2.3.4.5:1 due to tcpwrapper option`)).toBeNull();
    expect(event(`${H} inetd[3]: refused connection from 10.9.8.7, service ftp (tcp)`)).toMatchObject({
      kind: 'inetd',
      service: 'ftp',
      address: '10.9.8.7',
    });
  });

  // tftpd-hpa 5.2 logs inet_ntop(myaddr): the address the request came in on, its own.
  it("tftpd-hpa: the logged address is the server's; the client is unknown, never an address", () => {
    for (const [logged, family] of [
      ['0.0.0.0', 4],
      ['127.0.0.1', 4],
      ['::', 6],
      ['198.51.100.1', 4],
    ] as const) {
      const e = event(`${H} in.tftpd[6858]: connection refused from ${logged}`);
      expect(e).toMatchObject({
        kind: 'tftpd',
        daemon: 'in.tftpd',
        service: 'in.tftpd',
        client: null,
        peer: { kind: 'server-address', serverAddress: logged, family },
      });
      expect(e).not.toHaveProperty('address');
    }
    expect(reason(`${H} in.tftpd[6858]: connection refused from ???`)).toBe('invalid-address');
  });

  it('openbsd-inetd: an address, or only the client text (name, user@host) with the address unknown', () => {
    expect(event(`${H} inetd[3]: refused connection from 10.9.8.7, service ftp (tcp)`)).toMatchObject({
      kind: 'inetd',
      service: 'ftp',
      address: '10.9.8.7',
      client: null,
    });
    expect(event(`${H} inetd[6828]: refused connection from localhost, service 17 (tcp6)`)).toMatchObject({
      kind: 'inetd',
      service: '17',
      client: 'localhost',
      peer: { kind: 'name-only' },
    });
    expect(event(`${H} inetd[6830]: refused connection from evil.example, service qotd (tcp)`)).toMatchObject({
      client: 'evil.example',
      peer: { kind: 'name-only' },
    });
    expect(event(`${H} inetd[6831]: refused connection from root@6.6.6.6@127.0.0.5, service qotd (tcp)`)).toMatchObject(
      { client: 'root@6.6.6.6@127.0.0.5', peer: { kind: 'name-only' } },
    );
    expect(event(`${H} inetd[6831]: refused connection from #033[31m\u00e9vil, service qotd (tcp)`)?.client).toBe(
      '#033[31m?vil',
    );
  });

  it('an empty tag (tcpd under xinetd with NAMEINARGS) is one refusal in every header format', () => {
    const lines = [
      'Nov 30 00:02:34 vm [6811]: refused connect from 127.0.0.3 (127.0.0.3)',
      '2026-11-30T00:02:34.750026+00:00 vm [6811]: refused connect from 127.0.0.3 (127.0.0.3)',
      '<28>1 2026-11-30T00:02:34.750026+00:00 vm - 6811 - -  refused connect from 127.0.0.3 (127.0.0.3)',
    ];
    for (const line of lines) {
      expect(event(line), line).toMatchObject({
        kind: 'libwrap',
        daemon: '',
        service: null,
        pid: 6811,
        address: '127.0.0.3',
        host: 'vm',
      });
    }
    // Without a pid an empty tag is no header at all.
    expect(reason('Nov 30 00:02:34 vm : refused connect from 127.0.0.3 (127.0.0.3)')).toBe('unknown-header');
    expect(
      reason('<28>1 2026-11-30T00:02:34.750026+00:00 vm - - - -  refused connect from 127.0.0.3 (127.0.0.3)'),
    ).toBe('missing-pid');
  });

  it('dates a yearless header by the time its batch passes, when one is given, not by its clock', () => {
    const line = 'Jun 15 12:00:00 vm sshd[7]: refused connect from 6.6.6.6 (6.6.6.6)';
    const year = (r: ParseResult) => (r.kind === 'refusal' ? r.event.time.getUTCFullYear() : null);
    expect(year(parser.parseLine(line))).toBe(2026);
    // Read in May 2027, a June line is next month's rather than eleven months old.
    expect(year(parser.parseLine(line, Date.parse('2027-05-20T00:00:00Z')))).toBe(2027);
  });

  it('reads rsyslog "message repeated N times" as N refusals', () => {
    expect(event(`${H} sshd[7]: message repeated 12 times: [ refused connect from 6.6.6.6 (6.6.6.6)]`)).toMatchObject({
      address: '6.6.6.6',
      count: 12,
    });
    expect(event(`${H} sshd[7]: message repeated 12 times: [ refused connect from 6.6.6.6 (6.6.6.6) x]`)).toBeNull();
  });

  it('ignores a trailing carriage return or blanks', () => {
    expect(event(`${H} sshd[7]: refused connect from 1.2.3.4 (1.2.3.4)  `)).not.toBeNull();
  });
});

describe('attacker text and forgeries (shared notes)', () => {
  it.each([
    [
      'a refusal phrase inside a longer sshd message',
      `${H} sshd[12604]: Invalid user refused connect from 6.6.6.6 (6.6.6.6) from 127.0.0.1 port 35416`,
    ],
    [
      'the same at the end of a preauth line',
      `${H} sshd[12604]: Connection closed by invalid user refused connect from 6.6.6.6 (6.6.6.6) 127.0.0.1 port 35416 [preauth]`,
    ],
    [
      'an xinetd FAIL phrase inside an sshd message',
      `${H} sshd[10989]: Connection closed by invalid user x libwrap from=6.6.6.6 127.0.0.1 port 34442 [preauth]`,
    ],
    ['logger -t sshd (no [pid])', `${H} sshd: refused connect from 6.6.6.6 (6.6.6.6)`],
    ['logger -t xinetd (no [pid])', `${H} xinetd: FAIL: echo libwrap from=6.6.6.6`],
    ["a tag quoted inside another program's message", `${H} bar: sshd[99]: refused connect from 6.6.6.6 (6.6.6.6)`],
    ['text after the address', `${H} sshd[7]: refused connect from 127.0.0.1 (127.0.0.1) extra`],
    ['an invalid address', `${H} in.wraptest[1]: refused connect from unknown (unknown)`],
    [
      'a nine-group IPv6 address',
      `${H} in.wraptest[1]: refused connect from x (3ffe:ffff:100:200::212:34ff:fe12:3456)`,
    ],
    ['an allowed connection', `${H} in.wraptest[1]: connect from 127.0.0.1 (127.0.0.1)`],
    [
      'xinetd start-up naming libwrap',
      `${H} xinetd[1]: 2.3.15.3 started with libwrap loadavg labeled-networking options compiled in.`,
    ],
    ['a headerless refusal', 'refused connect from 127.0.0.1 (127.0.0.1)'],
    [
      'a forged repeat wrapper around attacker text',
      `${H} sshd[7]: Invalid user message repeated 9 times: [ refused connect from 6.6.6.6 (6.6.6.6)]`,
    ],
  ])('%s is no refusal', (_name, line) => {
    expect(event(line)).toBeNull();
  });

  it('sanitises control characters and over-long client text to printable ASCII', () => {
    const e = event(`${H} sshd[7]: refused connect from \u001b[31m\u00e9vil${'A'.repeat(400)}@1.2.3.4 (1.2.3.4)`);
    expect(e?.client).toMatch(/^[\x20-\x7e]+$/);
    expect(e?.client?.length).toBeLessThanOrEqual(255);
    expect(e?.client?.startsWith('?[31m?vil')).toBe(true);
  });

  it('says why each line with a refusal phrase is not reported, and passes chatter as nothing', () => {
    expect(reason('garbage refused connect from 1.2.3.4 (1.2.3.4)')).toBe('unknown-header');
    expect(reason(`${H} sshd: refused connect from 6.6.6.6 (6.6.6.6)`)).toBe('missing-pid');
    expect(reason(`${H} in.wraptest[1]: refused connect from x (127.0.0.256)`)).toBe('invalid-address');
    expect(
      reason(`${H} sshd[12604]: Invalid user refused connect from 6.6.6.6 (6.6.6.6) from 127.0.0.1 port 35416`),
    ).toBe('not-a-refusal');
    expect(reason(`${H} nrpe[5]: Connection refused by TCP wrapper`)).toBe('not-a-refusal');
    expect(reason(`${H} sshd[1]: Accepted publickey for root from 127.0.0.1 port 1 ssh2`)).toBe('none');
  });

  it('stays linear on adversarial near-misses (a catastrophic regex would never return)', () => {
    const long = 'refused connect from ' + '( '.repeat(30_000) + 'x';
    expect(event(`${H} sshd[1]: ${long}`)).toBeNull();
    expect(event(`${H} sshd[1]: refused connect from ${'a ('.repeat(20_000)}1.2.3.4)`)).toBeNull();
    expect(event(`${H} stunnel: LOG4[1]: Service [x] REFUSED by libwrap from ${':1'.repeat(30_000)}`)).toBeNull();
    expect(event(`${H} sshd[1]: message repeated 3 times: [ ${'[ '.repeat(30_000)}`)).toBeNull();
  });
});

describe('journal entries', () => {
  const entry = (over: Partial<JournalRecord>): JournalRecord => ({
    identifier: 'sshd',
    pid: 4242,
    message: 'refused connect from 6.6.6.6 (6.6.6.6)',
    hostname: 'vm',
    time: new Date('2026-11-21T15:00:00Z'),
    trustedComm: 'sshd',
    trustedExe: '/usr/sbin/sshd',
    trustedPid: 4242,
    ...over,
  });

  it('take header fields from journald', () => {
    const r = parser.parseJournal(entry({}));
    expect(r.kind === 'refusal' && r.event).toMatchObject({
      daemon: 'sshd',
      pid: 4242,
      host: 'vm',
      peer: { kind: 'client-address', address: '6.6.6.6' },
    });
  });

  it('apply the same pid and identifier rules as files', () => {
    const why = (r: ParseResult) => (r.kind === 'not-reported' ? r.reason : r.kind);
    expect(why(parser.parseJournal(entry({ pid: null })))).toBe('missing-pid');
    expect(why(parser.parseJournal(entry({ identifier: 'ss hd' })))).toBe('bad-tag');
    // An empty identifier is the journal's empty tag: the same refusal as in the file formats.
    expect(parser.parseJournal(entry({ identifier: '' }))).toMatchObject({
      kind: 'refusal',
      event: { daemon: '', service: null },
    });
    expect(
      why(parser.parseJournal(entry({ message: 'Invalid user refused connect from 6.6.6.6 (6.6.6.6) from 1.1.1.1' }))),
    ).toBe('not-a-refusal');
  });
});

import { describe, expect, it } from 'vitest';
import { Harness } from './throttle-harness.js';

describe('[[rule]] routing', () => {
  it('applies rules in order: the first match wins', async () => {
    const h = await Harness.create({
      rule: [
        { daemons: 'sshd', clients: '10.0.0.0/8', service: 'SSH internal', status: 1 },
        { daemons: 'sshd', clients: 'ALL', service: 'SSH' },
        { daemons: 'ALL', clients: '10.0.0.0/8', service: 'never reached for sshd' },
      ],
    });
    expect(h.offer({ address: '10.1.1.1' })[0]).toMatchObject({ service: 'SSH internal', status: 1 });
    expect(h.offer({ address: '192.0.2.1' })[0]).toMatchObject({ service: 'SSH', status: 2 });
    expect(h.offer({ address: '10.1.1.1', daemon: 'in.telnetd', service: 'in.telnetd' })[0]).toMatchObject({
      service: 'never reached for sshd',
    });
    expect(h.offer({ address: '192.0.2.1', daemon: 'in.telnetd', service: 'in.telnetd' })[0]).toMatchObject({
      service: 'TCP Wrappers',
      status: 2,
    });
  });

  it('ignore = true never reports, but every ignored refusal is counted', async () => {
    const h = await Harness.create({
      rule: [{ daemons: 'ALL EXCEPT sshd', clients: '192.168.0.0/255.255.0.0, [2001:db8::]/32', ignore: true }],
    });
    expect(h.offer({ daemon: 'in.telnetd', service: 'in.telnetd', address: '192.168.4.4', count: 3 })).toEqual([]);
    expect(h.offer({ daemon: 'in.telnetd', service: 'in.telnetd', address: '2001:db8::7', family: 6 })).toEqual([]);
    expect(h.offer({ daemon: 'sshd', address: '192.168.4.4' })).toHaveLength(1); // EXCEPT sshd
    h.flush();
    expect(h.throttle.stats()).toMatchObject({ refusals: 5, ignored: 4, reported: 1, pending: 0 });
  });

  it('a rule sets the window', async () => {
    const h = await Harness.create({
      throttle: { window_seconds: 60 },
      rule: [{ daemons: 'sshd', window_seconds: 300 }],
    });
    h.offer();
    h.offer();
    expect(h.advance(299_000)).toEqual([]);
    expect(h.advance(1_000).map((a) => a.reason)).toEqual(['follow-up']);
  });

  it('a rule sets the host name, from the syslog host if asked', async () => {
    const h = await Harness.create({
      rule: [
        { daemons: 'sshd', host_name: '{host}-ssh' },
        { daemons: 'ALL', host_name: 'central' },
      ],
    });
    expect(h.offer({ host: 'web1' })[0]?.host).toBe('web1-ssh');
    expect(h.offer({ daemon: 'nrpe', service: 'nrpe' })[0]?.host).toBe('central');
  });

  it('matches name patterns against the logged client name only', async () => {
    const h = await Harness.create({
      rule: [
        { clients: '.example.com', ignore: true },
        { clients: 'UNKNOWN', service: 'Unnamed clients' },
      ],
    });
    expect(h.offer({ client: 'scanner.example.com', address: '192.0.2.1' })).toEqual([]);
    // The ident user is the client's own text: "x.example.com@" names no host.
    expect(h.offer({ client: 'x.example.com@192.0.2.2', address: '192.0.2.2' })[0]?.service).toBe('Unnamed clients');
    expect(h.offer({ client: null, address: '192.0.2.3' })[0]?.service).toBe('Unnamed clients');
    expect(h.offer({ client: 'other.example.net', address: '192.0.2.4' })[0]?.service).toBe('TCP Wrappers');
  });

  it('matches the service of xinetd lines as well as the daemon', async () => {
    const h = await Harness.create({ rule: [{ daemons: 'daytime-stream', ignore: true }] });
    expect(h.offer({ kind: 'xinetd-libwrap', daemon: 'xinetd', service: 'daytime-stream' })).toEqual([]);
    expect(h.offer({ kind: 'xinetd-libwrap', daemon: 'xinetd', service: 'echo-stream' })).toHaveLength(1);
  });
});

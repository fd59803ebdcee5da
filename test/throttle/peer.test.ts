import { describe, expect, it } from 'vitest';
import { PeerViews } from '../../src/throttle/peer.js';
import { config, Harness } from './throttle-harness.js';

const tftpd = (serverAddress: string, family: 4 | 6 = 4) =>
  ({
    kind: 'tftpd',
    daemon: 'in.tftpd',
    service: 'in.tftpd',
    pid: 6858,
    peer: { kind: 'server-address', serverAddress, family },
  }) as const;
const inetdName = (client: string, service = 'qotd') =>
  ({ kind: 'inetd', daemon: 'inetd', service, pid: 6830, client, peer: { kind: 'name-only' } }) as const;

describe('peers that are not a client address (issue 13)', () => {
  it("a tftpd-hpa refusal says the client is unknown and the logged address is the server's", async () => {
    const h = await Harness.create();
    const [first] = h.offer(tftpd('0.0.0.0'));
    expect(first?.output).toMatch(
      /^Denied in\.tftpd from an unknown client \(the logged 0\.0\.0\.0 is the server's own address\) at /,
    );
    expect(first?.output).not.toMatch(/from 0\.0\.0\.0/);
  });

  it('never keys tftpd refusals under an address a client refusal could share', async () => {
    const h = await Harness.create();
    // A real client 198.51.100.1 and tftpd's own 198.51.100.1 are two different sources.
    expect(h.offer({ address: '198.51.100.1', daemon: 'in.tftpd', service: 'in.tftpd', kind: 'libwrap' })).toHaveLength(
      1,
    );
    expect(h.offer(tftpd('198.51.100.1'))).toHaveLength(1);
    // Several tftpd refusals of one server are one "unknown client" source, not an attacker address.
    expect(h.offer(tftpd('198.51.100.1'))).toEqual([]);
    const followUps = h.advance(60_000);
    expect(followUps.map((a) => a.output)).toEqual([
      expect.stringMatching(
        /^Denied in\.tftpd from an unknown client \(the logged 198\.51\.100\.1 is the server's own address\): 1 more refusal at /,
      ),
    ]);
  });

  it("a [[rule]] on the server's address does not match tftpd refusals; ALL and UNKNOWN do", async () => {
    const h = await Harness.create({ rule: [{ daemons: 'ALL', clients: '0.0.0.0, [::], 127.0.0.1', ignore: true }] });
    expect(h.offer(tftpd('0.0.0.0'))).toHaveLength(1);
    expect(h.offer(tftpd('::', 6))).toHaveLength(1);
    expect(h.offer(tftpd('127.0.0.1'))).toHaveLength(1);
    expect(h.throttle.stats()).toMatchObject({ ignored: 0 });
    const u = await Harness.create({ rule: [{ daemons: 'in.tftpd', clients: 'UNKNOWN', ignore: true }] });
    expect(u.offer(tftpd('0.0.0.0'))).toEqual([]);
    expect(u.throttle.stats()).toMatchObject({ ignored: 1 });
  });

  it('an inetd name-only refusal names the client text, quoted and sanitised, and says the address is unknown', async () => {
    const h = await Harness.create();
    const [named] = h.offer(inetdName('evil.example'));
    expect(named?.output).toMatch(
      /^Denied inetd\/qotd from "evil\.example" \(name only; the address is not logged\) at /,
    );
    const [forged] = h.offer(inetdName('x|y;z\\w'));
    expect(forged?.output.split(' | ')).toHaveLength(2); // only the perfdata separator
    // Name rules match the text after the last "@"; an address-looking host part is no name.
    const r = await Harness.create({
      rule: [
        { daemons: 'inetd', clients: '.example', ignore: true },
        { daemons: 'inetd', clients: '127.0.0.5', service: 'never' },
      ],
    });
    expect(r.offer(inetdName('evil.example'))).toEqual([]);
    expect(r.offer(inetdName('root@6.6.6.6@127.0.0.5'))[0]).toMatchObject({ service: 'TCP Wrappers' });
  });

  it('names the service: three xinetd services of one client do not read like duplicates', async () => {
    const h = await Harness.create();
    const outputs = ['daytime-stream', 'echo-stream', 'time-stream'].flatMap((service) =>
      h
        .offer({ kind: 'xinetd-libwrap', daemon: 'xinetd', service, address: '127.0.0.3' })
        .map((a) => a.output.replace(/ at .*/, '')),
    );
    expect(outputs).toEqual([
      'Denied xinetd/daytime-stream from 127.0.0.3',
      'Denied xinetd/echo-stream from 127.0.0.3',
      'Denied xinetd/time-stream from 127.0.0.3',
    ]);
    expect(h.offer({ daemon: '', service: null, address: '127.0.0.3' })[0]?.output).toMatch(
      /^Denied \(no tag\) from 127\.0\.0\.3 at /,
    );
  });

  it('a storm summary names tftpd and name-only sources by what is known, never as an address', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 1, window_seconds: 300, storm_top: 3 } });
    h.offer({ address: '192.0.2.1' });
    for (let i = 0; i < 5; i++) h.offer(tftpd('0.0.0.0'));
    for (let i = 0; i < 3; i++) h.offer(inetdName('evil.example'));
    const storm = h.advance(60_000).find((a) => a.reason === 'storm');
    expect(storm?.output).toMatch(
      /^Storm: 8 refusals from 2 sources in 60s; top: an unknown client \(the logged 0\.0\.0\.0 is the server's own address\) in\.tftpd x5, "evil\.example" \(name only; the address is not logged\) inetd\/qotd x3; /,
    );
  });
});

describe('PeerViews: the remembered view of each client address', () => {
  it('gives the same view (and key object) for the same address, and keys IPv6 by the configured prefix', () => {
    const views = new PeerViews(64);
    const a = views.view({ kind: 'client-address', address: ` 2001:db8::1`.slice(1), family: 6 }, null);
    const b = views.view({ kind: 'client-address', address: '2001:db8::1', family: 6 }, null);
    expect(b).toBe(a);
    expect(a.key).toBe('2001:db8::/64');
    expect(views.view({ kind: 'client-address', address: '2001:db8::2', family: 6 }, null).key).toBe('2001:db8::/64');
    expect(new PeerViews(128).view({ kind: 'client-address', address: '2001:db8::1', family: 6 }, null).key).toBe(
      '2001:db8::1',
    );
  });

  it('views name-only peers by their client name, never from the cache', () => {
    const views = new PeerViews(64);
    expect(views.view({ kind: 'name-only' }, 'a.example').key).toBe('name a.example');
    expect(views.view({ kind: 'name-only' }, 'b.example').key).toBe('name b.example');
  });

  it('follows a new ipv6_prefix after a reconfigure', async () => {
    const h = await Harness.create({ throttle: { ipv6_prefix: 64 } });
    expect(h.offer({ address: '2001:db8::1' })).toHaveLength(1);
    expect(h.offer({ address: '2001:db8::2' })).toHaveLength(0); // the same /64: folded
    h.throttle.reconfigure(await config({ throttle: { ipv6_prefix: 128 } }));
    expect(h.offer({ address: '2001:db8::3' })).toHaveLength(1); // its own source now
  });
});

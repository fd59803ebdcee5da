import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import { describe, expect, it } from 'vitest';
import { ThrottleSettingsError } from '../../src/throttle/settings-error.js';
import { Throttle } from '../../src/throttle/throttle.js';
import { clientPeer, config, FakeClock, Harness, perfdata, refusal } from './throttle-harness.js';

const T0 = '2026-11-21T15:00:00+00:00';

describe('per-source coalescing', () => {
  it('reports the first refusal of a source at once, with its own time and perfdata', async () => {
    const h = await Harness.create();
    const [alert, ...rest] = h.offer({ address: '198.51.100.7', daemon: 'sshd' });
    expect(rest).toEqual([]);
    expect(alert).toEqual({
      host: 'monitor',
      service: 'TCP Wrappers',
      status: 2,
      output: `Denied sshd from 198.51.100.7 at ${T0} | refusals=1 sources=1`,
      refusals: 1,
      sources: 1,
      oldestSeq: 1,
      reason: 'first',
    });
  });

  it('folds a burst from one source into one follow-up when the window closes', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 60 } });
    expect(h.offer()).toHaveLength(1);
    for (let i = 0; i < 499; i++) {
      h.clock.advance(100);
      expect(h.offer()).toEqual([]);
    }
    expect(h.throttle.nextDeadline()).toBe(Date.parse(T0) + 60_000);
    expect(h.advance(10_000)).toEqual([]); // still inside the window
    const [followUp, ...rest] = h.advance(1_000);
    expect(rest).toEqual([]);
    expect(followUp).toMatchObject({ reason: 'follow-up', refusals: 499, sources: 1, oldestSeq: 2 });
    expect(followUp?.output).toBe(
      'Denied sshd from 198.51.100.7: 499 more refusals from 2026-11-21T15:00:00.100+00:00 to 2026-11-21T15:00:49.900+00:00 | refusals=499 sources=1',
    );
  });

  it('judges an event at the time its batch passes (one clock read per batch), not at a clock read of its own', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 30 } });
    expect(h.offer().map((a) => a.reason)).toEqual(['first']);
    expect(h.offer()).toEqual([]);
    // The clock has not moved, but this batch was read 30 s later: the window has closed by then.
    const late = h.clock.now() + 30_000;
    const out = h.throttle.offer({ seq: ++h.seq, event: refusal(h.clock) }, [], late);
    expect(out.map((a) => a.reason)).toEqual(['follow-up']);
  });

  it('sends nothing when a window closes with nothing folded, and then forgets the source', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 30 } });
    h.offer();
    expect(h.advance(30_000)).toEqual([]);
    expect(h.throttle.stats().trackedKeys).toBe(0);
    expect(h.throttle.nextDeadline()).toBeNull();
    expect(h.offer()[0]?.reason).toBe('first');
  });

  it('keeps a steady attacker at one result per window (the follow-up opens the next window)', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 60 } });
    for (let i = 0; i < 10 * 60; i++) {
      h.offer();
      h.advance(1_000);
    }
    h.flush();
    const reasons = h.alerts.map((a) => a.reason);
    expect(reasons[0]).toBe('first');
    expect(reasons.slice(1).every((r) => r === 'follow-up')).toBe(true);
    expect(h.alerts).toHaveLength(11); // first, 9 window ends, the flush
    expect(h.reportedRefusals()).toBe(600);
  });

  it('reports a slow drip (one refusal per window) as a first and then one per window', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 60 } });
    h.offer(); // t=0: first
    h.advance(30_000);
    h.offer(); // t=30 s: folded
    const atSixty = h.advance(30_000);
    expect(atSixty.map((a) => [a.reason, a.refusals])).toEqual([['follow-up', 1]]);
    expect(atSixty[0]?.output).toBe(
      'Denied sshd from 198.51.100.7: 1 more refusal at 2026-11-21T15:00:30+00:00 | refusals=1 sources=1',
    );
    h.advance(61_000); // a quiet window: the source is forgotten
    expect(h.throttle.stats().trackedKeys).toBe(0);
    expect(h.offer()[0]?.reason).toBe('first');
  });

  it('treats the window as [start, start + window): a refusal at the very end starts the next one', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 10 } });
    h.offer();
    h.clock.advance(9_999);
    expect(h.offer()).toEqual([]); // last millisecond of the window: folded
    h.clock.advance(1);
    // offer() first closes the window that ended at this very instant, then folds into the next.
    const out = h.offer();
    expect(out.map((a) => [a.reason, a.refusals])).toEqual([['follow-up', 1]]);
    expect(h.flush().map((a) => [a.reason, a.refusals])).toEqual([['follow-up', 1]]);
  });

  it('reports every refusal on its own with window_seconds = 0 (still under the cap)', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 0, max_results_per_minute: 100 } });
    for (let i = 0; i < 5; i++) expect(h.offer().map((a) => a.reason)).toEqual(['first']);
    h.advance(0);
    expect(h.throttle.nextDeadline()).toBeNull();
  });

  it('keys by service and address: the same address on two services is two sources', async () => {
    const h = await Harness.create();
    expect(h.offer({ daemon: 'sshd', service: 'sshd' })).toHaveLength(1);
    expect(h.offer({ daemon: 'in.telnetd', service: 'in.telnetd' })).toHaveLength(1);
    expect(h.offer({ daemon: 'xinetd', service: 'daytime-stream', kind: 'xinetd-libwrap' })).toHaveLength(1);
    expect(h.offer({ daemon: 'sshd', service: 'sshd' })).toHaveLength(0);
    expect(h.throttle.stats().trackedKeys).toBe(3);
  });

  it('groups IPv6 sources by their /64 (throttle.ipv6_prefix) and says so once several addresses came', async () => {
    const h = await Harness.create();
    expect(h.offer({ address: '2001:db8:1:2::1', family: 6 })[0]?.output).toMatch(
      /^Denied sshd from 2001:db8:1:2::1 at /,
    );
    expect(h.offer({ address: '2001:db8:1:2:aaaa::9', family: 6 })).toEqual([]);
    expect(h.offer({ address: '2001:db8:1:3::1', family: 6 })).toHaveLength(1); // another /64
    const [followUp] = h.flush();
    expect(followUp?.output).toMatch(/^Denied sshd from 2001:db8:1:2::\/64: 1 more refusal at /);
  });

  it('honours another ipv6_prefix', async () => {
    const h = await Harness.create({ throttle: { ipv6_prefix: 128 } });
    expect(h.offer({ address: '2001:db8::1', family: 6 })).toHaveLength(1);
    expect(h.offer({ address: '2001:db8::2', family: 6 })).toHaveLength(1);
  });

  it('counts "message repeated N times" as N refusals', async () => {
    const h = await Harness.create();
    const [first] = h.offer({ count: 5 });
    expect(first).toMatchObject({ refusals: 5, reason: 'first' });
    expect(first?.output).toBe(`Denied sshd from 198.51.100.7: 5 refusals at ${T0} | refusals=5 sources=1`);
    h.offer({ count: 7 });
    expect(h.flush()[0]).toMatchObject({ refusals: 7, reason: 'follow-up' });
    expect(h.throttle.stats()).toMatchObject({ refusals: 12, reported: 12, pending: 0 });
  });

  it('many sources at once: each gets its first result while the cap allows', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 1000 } });
    for (let i = 0; i < 200; i++) expect(h.offer({ address: `203.0.113.${i}` })).toHaveLength(1);
    expect(h.throttle.stats().trackedKeys).toBe(200);
  });
});

describe('checkpoint bookkeeping', () => {
  it('reports the lowest seq still folded, and each result the lowest seq it accounts for', async () => {
    const h = await Harness.create();
    h.offer({ address: '192.0.2.1' }); // seq 1: sent at once
    expect(h.throttle.oldestPendingSeq()).toBeNull();
    h.offer({ address: '192.0.2.2' }); // seq 2: sent at once
    h.offer({ address: '192.0.2.1' }); // seq 3: folded
    h.offer({ address: '192.0.2.2' }); // seq 4: folded
    h.offer({ address: '192.0.2.1' }); // seq 5: folded
    expect(h.throttle.oldestPendingSeq()).toBe(3);
    const results = h.advance(60_000);
    expect(results.map((a) => [a.output.split(':')[0], a.oldestSeq, a.refusals])).toEqual([
      ['Denied sshd from 192.0.2.1', 3, 2],
      ['Denied sshd from 192.0.2.2', 4, 1],
    ]);
    expect(h.throttle.oldestPendingSeq()).toBeNull();
  });

  it('stays correct when seqs arrive out of order', async () => {
    const h = await Harness.create();
    const { throttle, clock } = h;
    const event = (address: string) => ({
      kind: 'libwrap' as const,
      time: new Date(clock.now()),
      host: 'h',
      daemon: 'sshd',
      pid: 1,
      service: 'sshd',
      peer: clientPeer(address),
      client: null,
      count: 1,
    });
    throttle.offer({ seq: 10, event: event('192.0.2.1') });
    throttle.offer({ seq: 11, event: event('192.0.2.2') });
    throttle.offer({ seq: 12, event: event('192.0.2.2') });
    throttle.offer({ seq: 5, event: event('192.0.2.1') });
    expect(throttle.oldestPendingSeq()).toBe(5);
  });
});

describe('stats and reconfiguration', () => {
  it('counts events, results by reason, folded and tracked keys', async () => {
    const h = await Harness.create();
    h.offer();
    h.offer({ count: 3 });
    h.offer({ address: '192.0.2.9' });
    expect(h.throttle.stats()).toEqual({
      events: 3,
      refusals: 5,
      reported: 2,
      pending: 3,
      ignored: 0,
      deduplicated: 0,
      folded: 3,
      heldBack: 0,
      results: { first: 2, 'follow-up': 0, storm: 0, overflow: 0, heartbeat: 0 },
      trackedKeys: 2,
      otherSources: 0,
      dedupWaiting: 0,
      dedupEvicted: 0,
      hostFallbacks: 0,
      storms: 0,
    });
  });

  it('keeps folded refusals, open windows and counts across a SIGHUP reconfigure', async () => {
    const h = await Harness.create({ throttle: { window_seconds: 60 } });
    h.offer();
    h.offer();
    h.throttle.reconfigure(
      await config({ throttle: { window_seconds: 10 }, report: { output: 'Refused {service} for {address}' } }),
    );
    expect(h.throttle.stats()).toMatchObject({ refusals: 2, reported: 1, pending: 1 });
    expect(h.advance(59_000)).toEqual([]); // the open window keeps the length it opened with
    const [followUp] = h.advance(1_000);
    expect(followUp?.output).toMatch(/^Refused sshd for 198\.51\.100\.7: 1 more refusal at /);
    h.advance(60_000);
    h.offer({ address: '192.0.2.1' });
    h.offer({ address: '192.0.2.1' });
    expect(h.advance(10_000).map((a) => a.reason)).toEqual(['follow-up']); // new windows: 10 s
  });

  it('rejects an unusable configuration on reconfigure and keeps running with the old one', async () => {
    const h = await Harness.create();
    const bad = { ...(await config()), rule: [{ daemons: 'ALL', clients: '10.0.0.0/33', ignore: true }] };
    expect(() => {
      h.throttle.reconfigure(bad);
    }).toThrow(ThrottleSettingsError);
    expect(h.offer({ address: '10.0.0.1' })[0]?.reason).toBe('first');
  });

  it('refuses to start on a configuration that bypassed the loader checks', async () => {
    const bad = { ...(await config()), report: { ...(await config()).report, output: 'Denied {nope}' } };
    expect(() => new Throttle(bad, new FakeClock(), { limits: NSCA_FIELD_LIMITS })).toThrow(
      /report\.output: unknown field \{nope\}/,
    );
  });

  it('every result carries perfdata matching its refusals and sources', async () => {
    const h = await Harness.create();
    h.offer();
    h.offer({ count: 4 });
    h.flush();
    for (const alert of h.alerts)
      expect(perfdata(alert.output)).toEqual({ refusals: alert.refusals, sources: alert.sources });
  });
});

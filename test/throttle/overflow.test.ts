import { describe, expect, it } from 'vitest';
import type { RefusalEvent } from '../../src/types.js';
import { clientPeer, Harness, perfdata } from './throttle-harness.js';

const ipv4 = (n: number) => `${10 + ((n >>> 24) & 0x7f)}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;

describe('the "other sources" bucket', () => {
  it('counts new sources past max_tracked_sources and reports them once per window', async () => {
    const h = await Harness.create({
      throttle: { max_tracked_sources: 3, window_seconds: 60, max_results_per_minute: 100 },
    });
    for (let i = 1; i <= 5; i++) h.offer({ address: `192.0.2.${i}` });
    h.offer({ address: '192.0.2.5' });
    expect(h.alerts.map((a) => a.reason)).toEqual(['first', 'first', 'first']);
    expect(h.throttle.stats()).toMatchObject({ trackedKeys: 3, otherSources: 3, pending: 3 });
    expect(h.throttle.oldestPendingSeq()).toBe(4);

    const [overflow, ...rest] = h.advance(60_000);
    expect(rest).toEqual([]);
    expect(overflow).toMatchObject({
      reason: 'overflow',
      refusals: 3,
      sources: 2,
      oldestSeq: 4,
      host: 'monitor',
      service: 'TCP Wrappers',
      status: 2,
    });
    expect(overflow?.output).toBe(
      'Too many sources to track one by one: 3 refusals from 2 more sources (max_tracked_sources=3), logged at 2026-11-21T15:00:00+00:00 | refusals=3 sources=2',
    );
    // The tracked windows closed too: there is room again.
    expect(h.offer({ address: '192.0.2.200' })[0]?.reason).toBe('first');
  });

  it('keeps the key count at the limit with a million distinct sources, and still counts every refusal', async () => {
    const h = await Harness.create({
      throttle: { max_tracked_sources: 1000, window_seconds: 3600, max_results_per_minute: 100_000 },
    });
    const base: RefusalEvent = {
      kind: 'libwrap',
      time: new Date(h.clock.now()),
      utcOffsetMinutes: 0,
      host: 'web1',
      daemon: 'sshd',
      pid: 1,
      service: 'sshd',
      peer: clientPeer(''),
      client: null,
      count: 1,
    };
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) h.throttle.offer({ seq: i + 1, event: { ...base, peer: clientPeer(ipv4(i)) } });
    const elapsed = performance.now() - started;
    expect(h.throttle.stats()).toMatchObject({
      trackedKeys: 1000,
      refusals: 1_000_000,
      otherSources: 999_000,
      pending: 999_000,
      dedupWaiting: 0,
    });

    const results = h.flush();
    const overflow = results.find((a) => a.reason === 'overflow');
    expect(overflow?.refusals).toBe(999_000);
    // A distinct estimate (HyperLogLog): within 5 % and said to be one.
    expect(Math.abs((overflow?.sources ?? 0) - 999_000) / 999_000).toBeLessThan(0.05);
    expect(overflow?.output).toMatch(
      /^Too many sources to track one by one: 999000 refusals from about \d+ more sources /,
    );
    expect(h.throttle.stats()).toMatchObject({ pending: 0, reported: 1_000_000 });
    expect(elapsed).toBeLessThan(20_000); // generous for a loaded CI box; the bench measures speed
  });

  it('goes into the storm summary when the cap refuses its result', async () => {
    const h = await Harness.create({
      throttle: { max_tracked_sources: 1, max_results_per_minute: 1, window_seconds: 30, storm_top: 3 },
    });
    h.offer({ address: '192.0.2.1' });
    h.offer({ address: '192.0.2.1' });
    for (let i = 2; i <= 4; i++) h.offer({ address: `192.0.2.${i}` });
    // 30 s: both the follow-up of 192.0.2.1 and the bucket are refused by the cap; a storm begins
    // and, at 90 s, its summary sweeps both up.
    expect(h.advance(89_999)).toEqual([]);
    const results = h.advance(1);
    expect(results.map((a) => [a.reason, a.refusals, a.sources])).toEqual([['storm', 4, 4]]);
    expect(results[0]?.output).toMatch(
      /^Storm: 4 refusals from 4 sources in 60s; top: 192\.0\.2\.1 sshd x1; 3 of them from 3 untracked sources; logged at /,
    );
    for (const alert of h.alerts)
      expect(perfdata(alert.output)).toEqual({ refusals: alert.refusals, sources: alert.sources });
  });
});

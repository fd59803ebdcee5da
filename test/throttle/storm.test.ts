import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/types.js';
import { Harness, perfdata } from './throttle-harness.js';

/** Results the cap applies to (everything but storm summaries) at most `limit` in any 60 s. */
function expectCapKept(alerts: readonly (Alert & { at: number })[], limit: number): void {
  const times = alerts.filter((a) => a.reason !== 'storm').map((a) => a.at);
  for (let i = limit; i < times.length; i++) expect(times[i]! - times[i - limit]!).toBeGreaterThanOrEqual(60_000);
  const storms = alerts.filter((a) => a.reason === 'storm').map((a) => a.at);
  for (let i = 1; i < storms.length; i++) expect(storms[i]! - storms[i - 1]!).toBeGreaterThanOrEqual(60_000);
}

describe('the global cap', () => {
  it('sends exactly max_results_per_minute results, then holds back', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 3, window_seconds: 300 } });
    const sent = [1, 2, 3, 4, 5].map((i) => h.offer({ address: `192.0.2.${i}` }).length);
    expect(sent).toEqual([1, 1, 1, 0, 0]);
    expect(h.throttle.stats()).toMatchObject({ heldBack: 2, pending: 2, storms: 1 });
  });

  it('counts over a sliding 60 s, not per calendar minute', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 2, window_seconds: 300 } });
    h.clock.advance(50_000);
    expect(h.offer({ address: '192.0.2.1' })).toHaveLength(1); // t=50 s
    h.clock.advance(5_000);
    expect(h.offer({ address: '192.0.2.2' })).toHaveLength(1); // t=55 s
    h.clock.advance(10_000);
    expect(h.offer({ address: '192.0.2.3' })).toHaveLength(0); // t=65 s: a new "minute", but 2 in the last 60 s
    h.clock.advance(44_999);
    expect(h.offer({ address: '192.0.2.4' })).toHaveLength(0); // t=109.999 s: 50 s result still counts
    h.clock.advance(1);
    expect(h.offer({ address: '192.0.2.5' })).toHaveLength(1); // t=110 s: it has aged out
  });

  it('folds what the cap refuses into one storm summary a minute later, naming the top sources', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 2, window_seconds: 300, storm_top: 2 } });
    h.offer({ address: '192.0.2.1' });
    h.offer({ address: '192.0.2.2' });
    for (let i = 0; i < 1815; i++) h.offer({ address: '198.51.100.210', time: new Date(h.clock.now() + i) });
    for (let i = 0; i < 5; i++) h.offer({ address: '203.0.113.5', daemon: 'in.telnetd', service: 'in.telnetd' });
    h.offer({ address: '203.0.113.6' });
    h.offer({ address: '192.0.2.1' }); // a source already reported: folded as usual
    expect(h.alerts).toHaveLength(2);

    expect(h.advance(59_999)).toEqual([]);
    const [summary, ...rest] = h.advance(1);
    expect(rest).toEqual([]);
    expect(summary).toMatchObject({
      reason: 'storm',
      refusals: 1822,
      sources: 4,
      host: 'monitor',
      service: 'TCP Wrappers',
      status: 2,
      oldestSeq: 3,
    });
    expect(summary?.output).toBe(
      'Storm: 1822 refusals from 4 sources in 60s; top: 198.51.100.210 sshd x1815, 203.0.113.5 in.telnetd x5; ' +
        'logged from 2026-11-21T15:00:00+00:00 to 2026-11-21T15:00:01.814+00:00 | refusals=1822 sources=4',
    );
    expect(h.throttle.stats().pending).toBe(0);
    expect(h.throttle.oldestPendingSeq()).toBeNull();
  });

  it('sends one summary per minute while the storm lasts, and ends it quietly', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 5, window_seconds: 60 } });
    // Three minutes of 20 new sources a second, then silence.
    for (let second = 0; second < 180; second++) {
      for (let i = 0; i < 20; i++) h.offer({ address: `10.${second}.0.${i}` });
      h.advance(1_000);
    }
    h.advance(5 * 60_000);
    h.flush();

    const all = h.timeline;
    expectCapKept(all, 5);
    const storms = all.filter((a) => a.reason === 'storm');
    expect(storms.map((a) => a.at - storms[0]!.at)).toEqual([0, 60_000, 120_000]);
    expect(storms[0]?.output).toMatch(/^Storm: \d+ refusals from \d+ sources in 60s; top: 10\.\d+\.0\.\d+ sshd x1, /);
    expect(h.throttle.stats()).toMatchObject({ storms: 1, pending: 0 });
    expect(h.reportedRefusals()).toBe(3600);
    expect(h.throttle.nextDeadline()).toBeNull();
  });

  it('never sends more than the cap plus the summary in any minute, whatever the load', async () => {
    const h = await Harness.create({
      throttle: { max_results_per_minute: 3, window_seconds: 10 },
      report: { heartbeat_seconds: 20 },
    });
    for (let step = 0; step < 2000; step++) {
      h.offer({ address: `192.0.2.${step % 37}` });
      h.advance((step * 7919) % 900);
    }
    const beforeFlush = h.timeline.length;
    h.flush();
    expectCapKept(h.timeline.slice(0, beforeFlush), 3); // flush may send its final summary early
    expect(h.timeline.slice(beforeFlush).every((a) => a.reason !== 'heartbeat')).toBe(true);
    expect(h.reportedRefusals()).toBe(2000);
  });

  it('reports a held-back first later as a follow-up that says why it is late', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 1, window_seconds: 120 } });
    h.offer({ address: '192.0.2.1' });
    h.offer({ address: '192.0.2.2' }); // held back
    const [summary] = h.advance(60_000);
    expect(summary?.reason).toBe('storm');
    // The storm summary accounted for it; the source's window is still open.
    h.offer({ address: '192.0.2.2' });
    expect(h.advance(60_000).map((a) => a.output.replace(/ at .*/, ''))).toEqual([
      'Denied sshd from 192.0.2.2: 1 more refusal',
    ]);

    const late = await Harness.create({ throttle: { max_results_per_minute: 1, window_seconds: 30 } });
    late.offer({ address: '192.0.2.1' });
    late.clock.advance(59_000);
    // Held back; the cap frees at 60 s and its window closes at 89 s, before the storm summary at 119 s.
    late.offer({ address: '192.0.2.2' });
    const [followUp, ...rest] = late.advance(120_000);
    expect(rest).toEqual([]);
    expect(followUp).toMatchObject({ reason: 'follow-up', refusals: 1 });
    expect(followUp?.output).toBe(
      'Denied sshd from 192.0.2.2: 1 refusal at 2026-11-21T15:00:59+00:00 (held back by the result cap) | refusals=1 sources=1',
    );
    expect(late.throttle.nextDeadline()).toBeNull();
  });

  it('at shutdown sends what the cap allows individually and the rest in one summary', async () => {
    const h = await Harness.create({ throttle: { max_results_per_minute: 3, window_seconds: 300 } });
    for (let i = 1; i <= 3; i++) h.offer({ address: `192.0.2.${i}` });
    for (let i = 1; i <= 3; i++) h.offer({ address: `192.0.2.${i}` });
    h.clock.advance(61_000);
    for (let i = 4; i <= 9; i++) h.offer({ address: `192.0.2.${i}` }); // 3 firsts, 3 held
    const flushed = h.flush();
    expect(flushed.map((a) => a.reason)).toEqual(['storm']);
    expect(flushed[0]?.output).toMatch(/^Shutting down: 6 refusals from 6 sources held back by the result cap; top: /);
    expect(h.reportedRefusals()).toBe(12);
    expect(h.throttle.stats().pending).toBe(0);
    for (const alert of h.alerts)
      expect(perfdata(alert.output)).toEqual({ refusals: alert.refusals, sources: alert.sources });
  });

  it('sends the summary to the destination with the most refusals and the worst status', async () => {
    const h = await Harness.create({
      throttle: { max_results_per_minute: 1, window_seconds: 300 },
      report: { host_name: '{host}', status: 1 },
      rule: [{ daemons: 'in.telnetd', status: 2 }],
    });
    h.offer({ host: 'web1', address: '192.0.2.1' });
    for (let i = 0; i < 3; i++) h.offer({ host: 'web2', address: '192.0.2.2' });
    h.offer({ host: 'web1', address: '192.0.2.3', daemon: 'in.telnetd', service: 'in.telnetd' });
    const [summary] = h.advance(60_000);
    expect(summary).toMatchObject({ reason: 'storm', host: 'web2', status: 2 });
    expect(summary?.output).toMatch(/top: 192\.0\.2\.2 sshd on web2 x3, 192\.0\.2\.3 in\.telnetd on web1 x1;/);
  });
});

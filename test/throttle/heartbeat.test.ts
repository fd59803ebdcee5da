import { describe, expect, it } from 'vitest';
import { config, Harness } from './throttle-harness.js';

describe('heartbeats', () => {
  it('sends an OK result with zero refusals when nothing was sent for heartbeat_seconds', async () => {
    const h = await Harness.create({ report: { heartbeat_seconds: 300 } });
    expect(h.throttle.nextDeadline()).toBe(h.clock.now() + 300_000);
    expect(h.advance(299_999)).toEqual([]);
    expect(h.advance(1)).toEqual([
      {
        host: 'monitor',
        service: 'TCP Wrappers',
        status: 0,
        output: 'OK: no refusals reported in the last 300s; wrapwatch is running | refusals=0 sources=0',
        refusals: 0,
        sources: 0,
        oldestSeq: null,
        reason: 'heartbeat',
      },
    ]);
    expect(h.advance(300_000).map((a) => a.reason)).toEqual(['heartbeat']);
  });

  it('waits a full interval after any result sent to that service', async () => {
    const h = await Harness.create({ report: { heartbeat_seconds: 300 }, throttle: { window_seconds: 10 } });
    h.advance(100_000);
    h.offer();
    expect(h.advance(299_999).map((a) => a.reason)).toEqual([]);
    expect(h.advance(1).map((a) => a.reason)).toEqual(['heartbeat']);
  });

  it('is off with heartbeat_seconds = 0', async () => {
    const h = await Harness.create();
    expect(h.throttle.nextDeadline()).toBeNull();
    expect(h.advance(86_400_000)).toEqual([]);
  });

  it('returns each destination to OK on its own: every rule service and every {host}', async () => {
    const h = await Harness.create({
      report: { heartbeat_seconds: 60, host_name: '{host}' },
      rule: [{ daemons: 'in.telnetd', service: 'Telnet refusals' }],
      throttle: { window_seconds: 1 },
    });
    expect(h.throttle.nextDeadline()).toBeNull(); // no host known before the first line
    h.offer({ host: 'web1' });
    h.clock.advance(10_000);
    h.offer({ host: 'web2', daemon: 'in.telnetd', service: 'in.telnetd' });
    const beats = h.advance(70_000).filter((a) => a.reason === 'heartbeat');
    expect(beats.map((a) => [a.host, a.service, a.status])).toEqual([
      ['web1', 'TCP Wrappers', 0],
      ['web2', 'Telnet refusals', 0],
    ]);
  });

  it('counts against the cap and waits for room instead of exceeding it', async () => {
    const h = await Harness.create({
      report: { heartbeat_seconds: 10 },
      throttle: { max_results_per_minute: 2, window_seconds: 600 },
    });
    const start = h.clock.now();
    h.offer({ address: '192.0.2.1' }); // t=0
    h.clock.advance(1_000);
    h.offer({ address: '192.0.2.2' }); // t=1 s: the cap is full until t=60 s; a heartbeat is due at 11 s
    h.advance(78_000);
    const beats = h.timeline.filter((a) => a.reason === 'heartbeat').map((a) => a.at - start);
    expect(beats).toEqual([60_000, 70_000]);
  });

  it('after a SIGHUP, stops heartbeats to a host or service no longer configured', async () => {
    const h = await Harness.create({ report: { heartbeat_seconds: 60, host_name: 'old-name' } });
    h.throttle.reconfigure(await config({ report: { heartbeat_seconds: 60, host_name: 'new-name' } }));
    expect(h.advance(60_000).map((a) => a.host)).toEqual(['new-name']);
  });
});

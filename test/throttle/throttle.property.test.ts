import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { Throttle } from '../../src/throttle/throttle.js';
import type { Alert, RefusalEvent, RefusalKind } from '../../src/types.js';
import { clientPeer, config, FakeClock, perfdata } from './throttle-harness.js';

/** Configurations the random runs pick from: tiny limits so caps, storms and overflow all happen. */
const SHAPES = [
  { throttle: { window_seconds: 60, max_results_per_minute: 3, max_tracked_sources: 5, storm_top: 3 } },
  {
    throttle: { window_seconds: 0, max_results_per_minute: 2, max_tracked_sources: 1, storm_top: 0 },
    report: { heartbeat_seconds: 30 },
  },
  { throttle: { window_seconds: 10, max_results_per_minute: 30, max_tracked_sources: 100, ipv6_prefix: 128 } },
  {
    throttle: { window_seconds: 5, max_results_per_minute: 1, max_tracked_sources: 3 },
    report: { host_name: '{host}', heartbeat_seconds: 45 },
    rule: [
      { daemons: 'in.telnetd', clients: '10.0.0.0/8', ignore: true },
      { daemons: 'ALL EXCEPT sshd', clients: 'KNOWN', service: 'Named', window_seconds: 120, status: 1 },
    ],
  },
  {
    throttle: { window_seconds: 1, max_results_per_minute: 5, max_tracked_sources: 2 },
    rule: [{ clients: '.example.com', ignore: true }],
  },
];

const KINDS: RefusalKind[] = ['libwrap', 'xinetd-libwrap', 'xinetd-fail', 'stunnel'];
const ADDRESSES = [
  '10.0.0.1',
  '10.0.0.2',
  '192.0.2.7',
  '198.51.100.9',
  '2001:db8::1',
  '2001:db8::2',
  '2001:db8:0:1::1',
  'fe80::1%eth0',
];
const CLIENTS = [null, 'scanner.example.com', 'root@6.6.6.6@10.0.0.1', 'evil\n|name'];
const HOSTS = ['web1', 'web2', 'bad;host'];

const eventStep = fc.record({
  type: fc.constant('event' as const),
  kind: fc.constantFrom(...KINDS),
  address: fc.constantFrom(...ADDRESSES),
  daemon: fc.constantFrom('sshd', 'in.telnetd', 'xinetd'),
  service: fc.constantFrom('sshd', 'daytime-stream', null),
  host: fc.constantFrom(...HOSTS),
  pid: fc.constantFrom(100, 200),
  client: fc.constantFrom(...CLIENTS),
  count: fc.oneof(fc.constant(1), fc.constant(1), fc.integer({ min: 2, max: 9 })),
  skewMs: fc.integer({ min: -1500, max: 1500 }),
});
/** The two lines xinetd writes for one refused connection, in either order. */
const pairStep = fc.record({
  type: fc.constant('pair' as const),
  failFirst: fc.boolean(),
  address: fc.constantFrom('10.0.0.1', '2001:db8::1'),
  pid: fc.constantFrom(100, 200),
  count: fc.constantFrom(1, 1, 3),
  gapMs: fc.integer({ min: 0, max: 1000 }),
  lonely: fc.constantFrom(false, false, false, true),
});
const step = fc.oneof(
  { weight: 6, arbitrary: eventStep },
  { weight: 2, arbitrary: pairStep },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('advance' as const),
      ms: fc.oneof(
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 55_000, max: 61_000 }),
        fc.integer({ min: 0, max: 130_000 }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('tick' as const) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('reconfigure' as const), shape: fc.nat(SHAPES.length - 1) }) },
);

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;
interface Run {
  readonly shape: number;
  readonly steps: readonly Step[];
}

let configs: Config[] = [];
beforeAll(async () => {
  configs = await Promise.all(SHAPES.map((shape) => config(shape)));
});

/** Checks every result as the sink would receive it. */
function checkAlert(alert: Alert, seqBefore: number | null, lastSeq: number): void {
  expect(perfdata(alert.output)).toEqual({ refusals: alert.refusals, sources: alert.sources });
  expect(Buffer.byteLength(alert.output)).toBeLessThanOrEqual(4095);
  expect(alert.output.split(' | ')).toHaveLength(2);
  expect(alert.output).not.toMatch(/[\x00-\x1f\x7f\\]/);
  expect(alert.host).toMatch(/^[^\s;\x00-\x1f]{1,63}$/);
  expect(alert.service).not.toMatch(/[;\x00-\x1f]/);
  if (alert.reason === 'heartbeat') {
    expect(alert).toMatchObject({ status: 0, refusals: 0, sources: 0, oldestSeq: null });
    return;
  }
  expect(alert.refusals).toBeGreaterThan(0);
  expect(alert.oldestSeq).not.toBeNull();
  // A result accounts only for refusals that were pending before, or the one just offered.
  expect(alert.oldestSeq!).toBeLessThanOrEqual(lastSeq);
  if (seqBefore !== null) expect(alert.oldestSeq!).toBeGreaterThanOrEqual(Math.min(seqBefore, lastSeq));
}

function play(run: Run): {
  throttle: Throttle;
  timeline: (Alert & { at: number })[];
  offered: number;
  reconfigured: boolean;
} {
  const clock = new FakeClock();
  const throttle = new Throttle(configs[run.shape]!, clock, { fallbackHost: 'fallback', limits: NSCA_FIELD_LIMITS });
  const timeline: (Alert & { at: number })[] = [];
  let seq = 0;
  let offered = 0;
  let reported = 0;
  let reconfigured = false;
  const take = (alerts: Alert[], seqBefore: number | null, ticked = true) => {
    for (const alert of alerts) {
      checkAlert(alert, seqBefore, seq);
      reported += alert.refusals;
      timeline.push({ ...alert, at: clock.now() });
    }
    const stats = throttle.stats();
    expect(stats.refusals).toBe(offered);
    expect(stats.reported).toBe(reported);
    expect(stats.reported + stats.pending + stats.ignored + stats.deduplicated).toBe(offered);
    expect(throttle.oldestPendingSeq() === null).toBe(stats.pending === 0);
    // After tick() nothing is due any more (else the daemon's timer would spin). After offer()
    // or reconfigure() something may be due at once (window_seconds = 0, a heartbeat turned on).
    const next = throttle.nextDeadline();
    if (next !== null && ticked) expect(next).toBeGreaterThan(clock.now());
  };
  for (const s of run.steps) {
    const seqBefore = throttle.oldestPendingSeq();
    if (s.type === 'event') {
      const event: RefusalEvent = {
        kind: s.kind,
        time: new Date(clock.now() + s.skewMs),
        utcOffsetMinutes: 0,
        host: s.host,
        daemon: s.kind.startsWith('xinetd') ? 'xinetd' : s.daemon,
        pid: s.pid,
        service: s.service,
        peer: clientPeer(s.address),
        client: s.client,
        count: s.count,
      };
      offered += s.count;
      take(throttle.offer({ seq: ++seq, event }), seqBefore, false);
    } else if (s.type === 'pair') {
      const line = (kind: RefusalKind, skewMs: number): RefusalEvent => ({
        kind,
        time: new Date(clock.now() + skewMs),
        utcOffsetMinutes: 0,
        host: 'web1',
        daemon: 'xinetd',
        pid: s.pid,
        service: 'daytime-stream',
        peer: clientPeer(s.address),
        client: null,
        count: s.count,
      });
      const kinds: RefusalKind[] = s.failFirst ? ['xinetd-fail', 'xinetd-libwrap'] : ['xinetd-libwrap', 'xinetd-fail'];
      // A lonely line has no partner (log_on_failure without HOST, or the other line went elsewhere).
      for (const [i, kind] of (s.lonely ? kinds.slice(0, 1) : kinds).entries()) {
        offered += s.count;
        const before = throttle.oldestPendingSeq();
        take(throttle.offer({ seq: ++seq, event: line(kind, i * s.gapMs) }), before, false);
      }
    } else if (s.type === 'advance') {
      // The daemon's timer: tick at each deadline on the way, not just at the end.
      const end = clock.now() + s.ms;
      for (let next = throttle.nextDeadline(); next !== null && next <= end; next = throttle.nextDeadline()) {
        clock.ms = next;
        const before = throttle.oldestPendingSeq();
        take(throttle.tick(), before);
      }
      clock.ms = end;
      const before = throttle.oldestPendingSeq();
      take(throttle.tick(), before);
    } else if (s.type === 'tick') {
      take(throttle.tick(), seqBefore);
    } else {
      throttle.reconfigure(configs[s.shape]!);
      reconfigured = true;
      take([], seqBefore, false);
    }
  }
  const beforeFlush = throttle.oldestPendingSeq();
  take(throttle.flush(), beforeFlush, false);
  return { throttle, timeline, offered, reconfigured };
}

const runs = fc.record({ shape: fc.nat(SHAPES.length - 1), steps: fc.array(step, { maxLength: 250 }) });

describe('counting invariant over random event streams', () => {
  it('every refusal read is reported, ignored or deduplicated exactly once, and flush leaves nothing', () => {
    fc.assert(
      fc.property(runs, (run) => {
        const { throttle, timeline, offered } = play(run);
        const stats = throttle.stats();
        expect(stats.pending).toBe(0);
        expect(throttle.oldestPendingSeq()).toBeNull();
        expect(timeline.reduce((sum, a) => sum + a.refusals, 0) + stats.ignored + stats.deduplicated).toBe(offered);
        expect(stats.trackedKeys).toBeLessThanOrEqual(Math.max(...SHAPES.map((s) => s.throttle.max_tracked_sources)));
      }),
      { numRuns: 300 },
    );
  });

  it('never exceeds the cap by more than one storm summary a minute', () => {
    fc.assert(
      fc.property(runs, (run) => {
        const steps = run.steps.filter((s) => s.type !== 'reconfigure');
        const { timeline } = play({ ...run, steps });
        const limit = SHAPES[run.shape]!.throttle.max_results_per_minute;
        const flushAt = timeline.at(-1)?.at;
        const regular = timeline.filter((a) => a.reason !== 'storm').map((a) => a.at);
        for (let i = limit; i < regular.length; i++)
          expect(regular[i]! - regular[i - limit]!).toBeGreaterThanOrEqual(60_000);
        // Summaries are a minute apart, except the one flush() sends at shutdown.
        const storms = timeline
          .filter((a, i) => a.reason === 'storm' && !(a.at === flushAt && i === timeline.length - 1))
          .map((a) => a.at);
        for (let i = 1; i < storms.length; i++) expect(storms[i]! - storms[i - 1]!).toBeGreaterThanOrEqual(60_000);
      }),
      { numRuns: 300 },
    );
  });
});

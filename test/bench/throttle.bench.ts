import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
/**
 * The aggregator: Throttle.offer per refusal event (dedup, rules, per-source windows, the
 * result cap and storm folding), on an injected clock that advances 1 ms per event.
 * test/bench/throttle.mjs measures the same on the built code over millions of events and
 * reports the heap; this is the quick per-call view.
 *
 *   npx vitest bench --run test/bench/throttle.bench.ts
 */
import { bench, describe } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { Throttle } from '../../src/throttle/throttle.js';
import type { Clock, RefusalEvent } from '../../src/types.js';

const START = Date.UTC(2026, 10, 21, 15, 0, 0);

async function makeThrottle(
  doc: Record<string, unknown>,
): Promise<{ throttle: Throttle; clock: Clock & { ms: number } }> {
  const clock = {
    ms: START,
    now(): number {
      return this.ms;
    },
  };
  const config = await configFromObject(
    { source: { timezone: 'UTC' }, report: { host_name: 'monitor' }, ...doc },
    'bench.toml',
    { hostname: 'monitor' },
  );
  return { throttle: new Throttle(config, clock, { fallbackHost: 'monitor', limits: NSCA_FIELD_LIMITS }), clock };
}

function event(n: number, time: number): RefusalEvent {
  const v6 = n % 5 === 4;
  const address = v6
    ? `2001:db8:${(n >> 8).toString(16)}:${(n & 255).toString(16)}::1`
    : `198.18.${(n >> 8) & 255}.${n & 255}`;
  return {
    kind: 'libwrap',
    time: new Date(time),
    utcOffsetMinutes: 0,
    host: 'gate',
    daemon: 'sshd',
    pid: 4242,
    service: 'sshd',
    peer: { kind: 'client-address', address, family: v6 ? 6 : 4 },
    client: null,
    count: 1,
  };
}

const RULES = [
  { daemons: 'ALL EXCEPT sshd', clients: '192.168.0.0/255.255.0.0, [2001:db8::]/32, 10.0.0.0/8', ignore: true },
  { daemons: 'in.telnetd, in.ftpd', clients: '.corp.example EXCEPT gw.corp.example', service: 'Legacy refusals' },
  { daemons: 'sshd', clients: '172.16.0.0/12', status: 1, window_seconds: 300 },
];

// Pre-built events: the benchmark measures the throttle, not the making of events.
const EVENTS_5000 = Array.from({ length: 5000 }, (_, n) => event(n, START));
const EVENTS_FRESH = Array.from({ length: 200_000 }, (_, n) => event(n, START));

describe('Throttle.offer', async () => {
  const one = await makeThrottle({});
  let seq = 0;
  bench('one source, over and over (deduplicated into its window)', () => {
    one.clock.ms += 1;
    one.throttle.offer({ seq: ++seq, event: EVENTS_5000[0] ?? event(0, START) });
  });

  const storm = await makeThrottle({});
  let k = 0;
  bench('5,000 sources round robin (a storm: capped, folded)', () => {
    storm.clock.ms += 1;
    storm.throttle.offer({ seq: ++seq, event: EVENTS_5000[k++ % 5000] ?? event(0, START) });
  });

  const ruled = await makeThrottle({ rule: RULES });
  let r = 0;
  bench('5,000 sources, 3 hosts_access rules', () => {
    ruled.clock.ms += 1;
    ruled.throttle.offer({ seq: ++seq, event: EVENTS_5000[r++ % 5000] ?? event(0, START) });
  });

  const fresh = await makeThrottle({ throttle: { max_tracked_sources: 10_000 } });
  let f = 0;
  bench('always a new source, past max_tracked_sources (10,000)', () => {
    fresh.clock.ms += 1;
    fresh.throttle.offer({ seq: ++seq, event: EVENTS_FRESH[f++ % EVENTS_FRESH.length] ?? event(0, START) });
  });
});

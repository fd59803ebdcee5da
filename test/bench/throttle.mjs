#!/usr/bin/env node
// Throughput and memory of the throttle (dedup + rules + coalescing + cap), on the compiled code.
//
//   npm run build && node --expose-gc test/bench/throttle.mjs
//   WRAPWATCH_DIST=/tmp/build node --expose-gc test/bench/throttle.mjs   (another build directory)
//
// Prints events per second for three streams and the heap used (after a full gc) while the
// throttle holds the state of a million distinct sources at max_tracked_sources = 10000.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.env.WRAPWATCH_DIST ?? new URL('../../dist', import.meta.url).pathname);
const { configFromObject } = await import(pathToFileURL(`${dist}/config/load.js`).href);
const { Throttle } = await import(pathToFileURL(`${dist}/throttle/throttle.js`).href);
const { NSCA_FIELD_LIMITS } = await import(pathToFileURL(`${dist}/sink/nsca/fields.js`).href);

const gc = globalThis.gc;
if (typeof gc !== 'function') process.stderr.write('note: run with node --expose-gc for heap figures\n');
const heapMiB = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const START = Date.UTC(2026, 10, 21, 15, 0, 0);
const clock = {
  ms: START,
  now() {
    return this.ms;
  },
};
const config = (doc) =>
  configFromObject({ source: { timezone: 'UTC' }, report: { host_name: 'monitor' }, ...doc }, 'bench.toml', {
    hostname: 'monitor',
  });

const RULES = [
  { daemons: 'ALL EXCEPT sshd', clients: '192.168.0.0/255.255.0.0, [2001:db8::]/32, 10.0.0.0/8', ignore: true },
  { daemons: 'in.telnetd, in.ftpd', clients: '.corp.example EXCEPT gw.corp.example', service: 'Legacy refusals' },
  { daemons: 'sshd', clients: '172.16.0.0/12', status: 1, window_seconds: 300 },
  { daemons: 'ALL', clients: '203.0.113.0/24', host_name: '{host}' },
];

const ipv4 = (n) => `${11 + ((n >>> 24) & 0x3f)}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;

/** A realistic mix: mostly sshd from a few thousand sources, xinetd pairs, some IPv6 and named clients. */
function* mixedStream(count, sources) {
  let x = 42;
  const random = () => (x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
  for (let i = 0; i < count;) {
    clock.ms += 1; // 1000 events per second of daemon time: storms, windows and caps all happen
    const source = Math.floor(random() * random() * sources); // a few heavy hitters, a long tail
    const r = random();
    const time = new Date(clock.ms);
    if (r < 0.6) {
      yield {
        kind: 'libwrap',
        time,
        utcOffsetMinutes: 0,
        host: 'web1',
        daemon: 'sshd',
        pid: 4000 + (i % 50),
        service: 'sshd',
        peer: { kind: 'client-address', address: ipv4(source), family: 4 },
        client: r < 0.1 ? `host${source}.corp.example` : null,
        count: r < 0.02 ? 5 : 1,
      };
      i++;
    } else if (r < 0.85) {
      const line = {
        time,
        utcOffsetMinutes: 0,
        host: 'web2',
        daemon: 'xinetd',
        pid: 12740,
        service: 'daytime-stream',
        peer: { kind: 'client-address', address: ipv4(source), family: 4 },
        client: null,
        count: 1,
      };
      yield { ...line, kind: 'xinetd-libwrap' };
      yield { ...line, kind: 'xinetd-fail' };
      i += 2;
    } else if (r < 0.95) {
      yield {
        kind: 'libwrap',
        time,
        utcOffsetMinutes: 0,
        host: 'web1',
        daemon: 'in.telnetd',
        pid: 5000,
        service: 'in.telnetd',
        peer: {
          kind: 'client-address',
          address: `2001:db8:${(source & 0xfff).toString(16)}::${(i & 0xff).toString(16)}`,
          family: 6,
        },
        client: null,
        count: 1,
      };
      i++;
    } else {
      yield {
        kind: 'stunnel',
        time,
        utcOffsetMinutes: 0,
        host: 'gw',
        daemon: 'stunnel',
        pid: null,
        service: 'https',
        peer: { kind: 'client-address', address: ipv4(source ^ 0x55), family: 4 },
        client: null,
        count: 1,
      };
      i++;
    }
  }
}

/** Every event from a new source. */
function* distinctStream(count) {
  for (let i = 0; i < count; i++) {
    if ((i & 0x3ff) === 0) clock.ms += 1;
    yield {
      kind: 'libwrap',
      time: new Date(clock.ms),
      utcOffsetMinutes: 0,
      host: 'web1',
      daemon: 'sshd',
      pid: 4242,
      service: 'sshd',
      peer: { kind: 'client-address', address: ipv4(i), family: 4 },
      client: null,
      count: 1,
    };
  }
}

async function run(name, doc, stream) {
  clock.ms = START;
  const throttle = new Throttle(await config(doc), clock, { fallbackHost: 'monitor', limits: NSCA_FIELD_LIMITS });
  let events = 0;
  let results = 0;
  let seq = 0;
  const started = process.hrtime.bigint();
  for (const event of stream) {
    results += throttle.offer({ seq: ++seq, event }).length;
    events++;
    if ((events & 0xfff) === 0) results += throttle.tick().length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const heapWithState = heapMiB();
  results += throttle.flush().length;
  const s = throttle.stats();
  const accounted = s.reported + s.ignored + s.deduplicated;
  process.stdout.write(
    `${name}\n  ${events.toLocaleString('en')} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en')} events/s; ` +
      `${results.toLocaleString('en')} results (${Object.entries(s.results)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})\n` +
      `  refusals ${s.refusals.toLocaleString('en')} = reported ${s.reported.toLocaleString('en')} + ignored ${s.ignored.toLocaleString('en')} + deduplicated ${s.deduplicated.toLocaleString('en')}` +
      ` ${accounted === s.refusals ? '(ok)' : '(MISMATCH)'}; tracked keys ${s.trackedKeys}, other-sources refusals ${s.otherSources.toLocaleString('en')}\n` +
      `  heap used with the throttle's state, after gc: ${heapWithState.toFixed(1)} MiB\n`,
  );
  return { throttle, heapWithState };
}

process.stdout.write(`node ${process.version}, ${process.arch}\n`);
const baseline = heapMiB();
process.stdout.write(`heap used before any throttle, after gc: ${baseline.toFixed(1)} MiB\n\n`);

await run('mixed stream, defaults (window 60 s, cap 30/min), no rules', {}, mixedStream(2_000_000, 20_000));
await run('mixed stream, 4 hosts_access rules', { rule: RULES }, mixedStream(2_000_000, 20_000));
const distinct = await run(
  '1,000,000 distinct sources, max_tracked_sources = 10000',
  { throttle: { max_tracked_sources: 10_000, window_seconds: 3600 } },
  distinctStream(1_000_000),
);
process.stdout.write(
  `  of which the throttle's state: about ${(distinct.heapWithState - baseline).toFixed(1)} MiB over the baseline\n`,
);

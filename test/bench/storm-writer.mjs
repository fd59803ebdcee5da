#!/usr/bin/env node
/**
 * Appends a refusal storm to a log file as rsyslog would: `--rate` refusal lines per second for
 * `--seconds`, from `--sources` distinct sources, in RSYSLOG_FileFormat (Debian 12's default).
 * Runs as its own process so its work does not count as the daemon's, and holds the rate on
 * average whatever its timer does: every tick it writes what is due by then.
 *
 * Sources: every one appears equally often (a permutation, so all of them within each round);
 * 60% sshd libwrap, 20% xinetd, 10% stunnel, 10% rpcbind; one in five is IPv6 (its own /64).
 * Prints one JSON line when done: when it started and ended (epoch ms), lines and bytes written,
 * and the longest a tick was late.
 *
 *   node test/bench/storm-writer.mjs --out FILE [--rate 100000] [--seconds 10] [--sources 5000]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    rate: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '10' },
    sources: { type: 'string', default: '5000' },
    'tick-ms': { type: 'string', default: '10' },
  },
});
if (!values.out) {
  process.stderr.write('usage: storm-writer.mjs --out FILE [--rate N] [--seconds S] [--sources N]\n');
  process.exit(2);
}
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const sourceCount = Number(values.sources);
const tickMs = Number(values['tick-ms']);
const total = Math.round(rate * seconds);

/** " gate TAG[PID]: MESSAGE" for source i, fixed per source so writing costs one concatenation. */
function tail(i) {
  const v6 = i % 5 === 4;
  // Documentation and benchmarking ranges: 198.18.0.0/15 and 2001:db8::/32.
  const address = v6
    ? `2001:db8:${(i >> 8).toString(16)}:${(i & 255).toString(16)}::1`
    : `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`;
  const pid = 1000 + (i % 30000);
  const r = i % 10;
  if (r < 6) return ` gate sshd[${pid}]: refused connect from ${address} (${address})\n`;
  if (r < 8) return ` gate xinetd[${pid}]: libwrap refused connection to telnet (libwrap=in.telnetd) from ${address}\n`;
  if (r < 9)
    return ` gate stunnel: LOG4[${i % 100}]: Service [tls] REFUSED by libwrap from ${address}:${1024 + (i % 60000)}\n`;
  return ` gate rpcbind[${pid}]: connect from ${address} to getport/addr(portmapper): request from unauthorized host\n`;
}
const tails = Array.from({ length: sourceCount }, (_, i) => tail(i));
// A stride coprime with the count visits every source once per round, in a scattered order.
let stride = 7919 % sourceCount || 1;
while (gcd(stride, sourceCount) !== 1) stride++;
function gcd(a, b) {
  return b === 0 ? a : gcd(b, a % b);
}

const fd = openSync(values.out, 'a');
const stamp = () => `${new Date().toISOString().slice(0, 23)}000+00:00`;
let written = 0;
let bytes = 0;
let worstLateMs = 0;
const startedAt = Date.now();
const start = performance.now();
while (written < total) {
  const now = performance.now();
  const due = Math.min(total, Math.ceil(((now - start) / 1000) * rate));
  if (due > written) {
    const header = stamp();
    const parts = [];
    for (let n = written; n < due; n++) parts.push(header, tails[(n * stride) % sourceCount]);
    const chunk = Buffer.from(parts.join(''), 'latin1');
    writeSync(fd, chunk);
    bytes += chunk.length;
    written = due;
  }
  const next = start + (Math.floor((now - start) / tickMs) + 1) * tickMs;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  worstLateMs = Math.max(worstLateMs, performance.now() - next);
}
const endedAt = Date.now();
closeSync(fd);
process.stdout.write(
  `${JSON.stringify({ startedAt, endedAt, lines: written, bytes, seconds: (endedAt - startedAt) / 1000, worstLateMs: Math.round(worstLateMs), sources: sourceCount })}\n`,
);

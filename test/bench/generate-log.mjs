#!/usr/bin/env node
// Deterministic generator of realistic auth/syslog streams for benchmarks.
//
//   node test/bench/generate-log.mjs --lines 1000000 --refusal-ratio 0.1 --seed 42 --out /tmp/auth.log
//
// Writes OUT and OUT.expected.json: how many lines, true refusal lines and refusal events
// (a "message repeated N times" line is N events) it wrote, by kind. Everything that is not a
// true refusal is chatter, a near miss or a forgery that a correct parser must not report.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'refusal-ratio': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    start: { type: 'string', default: '2026-11-21T00:00:00Z' },
    sources: { type: 'string', default: '5000' },
  },
});
if (!values.out) {
  process.stderr.write('usage: generate-log.mjs --out FILE [--lines N] [--refusal-ratio R] [--seed S] [--sources N]\n');
  process.exit(2);
}

/** mulberry32: tiny, fast, and the same sequence on every machine for a seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(values.seed));
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

// Heavy-tailed sources: source i is drawn with weight 1/(i+1) (Zipf, s=1), so a few
// scanners dominate and a long tail appears once or twice.
const sourceCount = Number(values.sources);
const cumulative = [];
let total = 0;
for (let i = 0; i < sourceCount; i++) cumulative.push((total += 1 / (i + 1)));
const sources = Array.from({ length: sourceCount }, (_, i) => {
  const r = i % 10;
  if (r < 7) return { text: `198.${51 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, v4: true };
  if (r < 8) return { text: `::ffff:203.0.${(i >> 8) & 255}.${i & 255}`, v4: true, mapped: true };
  return { text: `2001:db8:${(i >> 8).toString(16)}:${(i & 255).toString(16)}::${(i % 7) + 1}`, v4: false };
});
function source() {
  const x = random() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return sources[lo];
}
const plain = (s) => (s.mapped ? s.text.slice(7) : s.text);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, w = 2) => String(n).padStart(w, '0');
let clock = Date.parse(values.start);
function header(tag, pid) {
  clock += int(0, 40);
  const d = new Date(clock);
  const style = random();
  if (style < 0.45) {
    const day = String(d.getUTCDate()).padStart(2, ' ');
    return `${MONTHS[d.getUTCMonth()]} ${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} gate ${tag}${pid === null ? '' : `[${pid}]`}: `;
  }
  const iso = `${d.toISOString().slice(0, 19)}.${pad(d.getUTCMilliseconds(), 3)}${pad(int(0, 999), 3)}+00:00`;
  if (style < 0.9) return `${iso} gate ${tag}${pid === null ? '' : `[${pid}]`}: `;
  return `<${int(24, 38)}>1 ${iso} gate ${tag} ${pid === null ? '-' : pid} - -  `;
}
const pid = () => int(300, 99999);
const users = ['root', 'admin', 'oracle', 'test', 'ubuntu', 'postgres', 'git', 'alice', 'bob'];
const services = ['daytime-stream', 'echo-stream', 'telnet', 'ftp', 'rsync', 'tftp-dgram'];

const chatter = [
  () => `${header('sshd', pid())}Accepted publickey for ${pick(users)} from ${plain(source())} port ${int(1024, 65535)} ssh2: ED25519 SHA256:utO36y9U85cpoEfWTrP1IAsY6yFxPJQDD82ktDmw/bM`,
  () => `${header('sshd', pid())}Failed password for invalid user ${pick(users)} from ${plain(source())} port ${int(1024, 65535)} ssh2`,
  () => `${header('sshd', pid())}Invalid user ${pick(users)} from ${plain(source())} port ${int(1024, 65535)}`,
  () => `${header('sshd', pid())}Connection closed by authenticating user ${pick(users)} ${plain(source())} port ${int(1024, 65535)} [preauth]`,
  () => `${header('sshd', pid())}pam_unix(sshd:session): session opened for user ${pick(users)}(uid=${int(0, 1000)}) by (uid=0)`,
  () => `${header('sshd', pid())}Received disconnect from ${plain(source())} port ${int(1024, 65535)}:11: disconnected by user`,
  () => `${header('sudo', null)}   ${pick(users)} : TTY=pts/${int(0, 9)} ; PWD=/home/${pick(users)} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
  () => `${header('sudo', null)}pam_unix(sudo:session): session opened for user root(uid=0) by ${pick(users)}(uid=1000)`,
  () => `${header('CRON', pid())}pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
  () => `${header('CRON', pid())}pam_unix(cron:session): session closed for user root`,
  () => `${header('systemd-logind', pid())}New session ${int(1, 9999)} of user ${pick(users)}.`,
  () => `${header('systemd-logind', pid())}Session ${int(1, 9999)} logged out. Waiting for processes to exit.`,
  () => `${header('xinetd', pid())}START: ${pick(services)} pid=${pid()} from=${source().text}`,
  () => `${header('xinetd', pid())}EXIT: ${pick(services)} status=0 pid=${pid()} duration=0(sec)`,
  () => `${header('in.telnetd', pid())}connect from ${plain(source())} (${plain(source())})`,
];

// Near misses and forgeries: contain refusal phrases but are no refusal.
const nearMisses = [
  () => `${header('sshd', pid())}Invalid user refused connect from 6.6.6.6 (6.6.6.6) from ${plain(source())} port ${int(1024, 65535)}`,
  () => `${header('sshd', pid())}Connection closed by invalid user x libwrap from=6.6.6.6 ${plain(source())} port ${int(1024, 65535)} [preauth]`,
  () => `${header('sshd', null)}refused connect from ${plain(source())} (${plain(source())})`,
  () => `${header('in.telnetd', pid())}refused connect from unknown (127.0.0.256)`,
  () => `${header('xinetd', pid())}FAIL: telnet libwrap from=127.0`,
  () => `${header('xinetd', pid())}2.3.15.3 started with libwrap loadavg labeled-networking options compiled in.`,
  () => `${header('sshd', pid())}refused connect from ${plain(source())} (${plain(source())}) trailing`,
];

const refusals = [
  ['libwrap', 6, () => {
    const s = source();
    const client = pick([plain(s), plain(s), `${pick(users)}@${plain(s)}`, `host-${int(1, 999)}.example.net`]);
    return `${header(pick(['sshd', 'sshd', 'in.telnetd', 'nrpe', 'in.ftpd']), pid())}refused connect from ${client} (${s.text})`;
  }],
  ['xinetd-libwrap', 2, () => `${header('xinetd', pid())}libwrap refused connection to ${pick(services)} (libwrap=${pick(['telnet', 'ftp'])}) from ${source().text}`],
  ['xinetd-fail', 2, () => `${header('xinetd', pid())}FAIL: ${pick(services)} libwrap from=${source().text}`],
  ['rpcbind', 1, () => `${header('rpcbind', pid())}connect from ${plain(source())} to getport/addr(portmapper): request from unauthorized host`],
  ['stunnel', 1, () => `${header('stunnel', null)}LOG4[${int(1, 99)}]: Service [tls] REFUSED by libwrap from ${plain(source())}:${int(1024, 65535)}`],
  ['socat', 1, () => {
    const s = source();
    return s.v4
      ? `${header('socat', pid())}W refusing connection from AF=2 ${plain(s)}:${int(1024, 65535)} due to tcpwrapper option`
      : `${header('socat', pid())}W refusing connection from AF=10 [2001:0db8:0000:0001:0000:0000:0000:0001]:${int(1024, 65535)} due to tcpwrapper option`;
  }],
];
const refusalWeights = [];
let weightTotal = 0;
for (const [, w] of refusals) refusalWeights.push((weightTotal += w));
function refusal() {
  const x = random() * weightTotal;
  const i = refusalWeights.findIndex((w) => x < w);
  return refusals[i];
}

const lines = Number(values.lines);
const ratio = Number(values['refusal-ratio']);
const expected = { lines, refusalLines: 0, refusalEvents: 0, nearMisses: 0, byKind: {} };
const out = createWriteStream(values.out);
let buffer = [];
for (let n = 0; n < lines; n++) {
  const r = random();
  let line;
  if (r < ratio) {
    const [kind, , make] = refusal();
    line = make();
    let count = 1;
    if (kind === 'libwrap' && random() < 0.02) {
      // rsyslog's repeated-message reduction: one line, N refusals.
      count = int(2, 50);
      const cut = line.indexOf('refused connect');
      line = `${line.slice(0, cut)}message repeated ${count} times: [ ${line.slice(cut)}]`;
    }
    expected.refusalLines++;
    expected.refusalEvents += count;
    expected.byKind[kind] = (expected.byKind[kind] ?? 0) + count;
  } else if (r < ratio + 0.01) {
    line = pick(nearMisses)();
    expected.nearMisses++;
  } else {
    line = pick(chatter)();
  }
  buffer.push(line);
  if (buffer.length === 10_000) {
    if (!out.write(buffer.join('\n') + '\n')) await new Promise((r) => out.once('drain', r));
    buffer = [];
  }
}
if (buffer.length > 0) out.write(buffer.join('\n') + '\n');
await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
await writeFile(`${values.out}.expected.json`, JSON.stringify(expected, null, 2) + '\n');
process.stderr.write(`wrote ${values.out}: ${JSON.stringify(expected)}\n`);

#!/usr/bin/env node
// Deterministic generator of realistic auth/syslog streams for benchmarks.
//
//   node test/bench/generate-log.mjs --lines 1000000 --refusal-ratio 0.1 --seed 42 --out /tmp/auth.log
//   node test/bench/generate-log.mjs --shape central --lines 1000000 --seed 43 --out /tmp/central.log
//
// Two shapes, so that no speed-up is tuned to one log:
//   auth     (default) one host's auth.log: sshd/sudo/CRON/pam chatter, the three header formats
//            rsyslog writes in roughly equal parts, lines of about 110 bytes;
//   central  a central log host's file: 60 hosts, 75% RSYSLOG_FileFormat (RFC 3339) headers with
//            microseconds and several UTC offsets, 20% traditional, 5% RFC 5424; mail, web, DNS,
//            firewall and time daemons' chatter (kernel UFW lines, postfix, dovecot, nginx,
//            named, chronyd) with lines of about 180 bytes, some of it mentioning "Connection
//            refused" (postfix, nginx: everyday chatter that passes the phrase prefilter), and
//            another mix of refusal formats (more xinetd, stunnel, rpcbind and tftpd).
//
// Writes three files:
//   OUT                 the log: sshd/sudo/CRON/pam/systemd-logind/xinetd/stunnel chatter in the three
//                       header formats rsyslog writes, every refusal format wrapwatch parses, near
//                       misses and forgeries;
//   OUT.expected.json   how many lines, true refusal lines and refusal events (a "message repeated
//                       N times" line is N events) it wrote, by kind and by address family;
//   OUT.truth.tsv       one line per true refusal: line number (1-based), kind, the peer address as
//                       wrapwatch must report it (v4-mapped -> IPv4, IPv6 in RFC 5952 form), count.
// The same seed gives the same bytes on every machine (mulberry32; no Math.random, no clock).
//
// Everything that is not a true refusal is chatter, a near miss (refusal phrases in a line that is
// no refusal: attacker text, invalid addresses, trailing text) or a forgery (a refusal written with
// `logger -t sshd`, which has no [pid]): a correct parser reports none of them.
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { mulberry32 } from './lib/mulberry32.mjs';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'refusal-ratio': { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    start: { type: 'string', default: '2026-11-21T00:00:00Z' },
    sources: { type: 'string', default: '5000' },
    shape: { type: 'string', default: 'auth' },
  },
});
const SHAPES = ['auth', 'central'];
if (!SHAPES.includes(values.shape)) {
  process.stderr.write(`unknown --shape ${values.shape}: one of ${SHAPES.join(', ')}\n`);
  process.exit(2);
}
const central = values.shape === 'central';
if (!values.out) {
  process.stderr.write(
    'usage: generate-log.mjs --out FILE [--shape auth|central] [--lines N] [--refusal-ratio R] [--seed S] [--sources N] [--start ISO]\n',
  );
  process.exit(2);
}

const random = mulberry32(Number(values.seed));
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

// ---- Addresses ---------------------------------------------------------------------------------
// Written independently of src/parse/address.ts, so the truth file checks it rather than echoes it.

/**
 * RFC 5952: lowercase, no leading zeros, the first longest run (>= 2) of zero groups as "::".
 * Written again on purpose, not imported from src/parse/address.ts: the truth file must not be
 * computed by the code it judges.
 */
function canonicalV6(groups) {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (gs) => gs.map((g) => g.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}
const expandedV6 = (groups) => groups.map((g) => g.toString(16).padStart(4, '0')).join(':');

/**
 * Source i: 60% IPv4, 15% IPv4 clients of IPv6 sockets (xinetd logs them `::ffff:a.b.c.d`,
 * libwrap as the plain dotted quad), 25% IPv6 (some with zero runs that compress in odd places).
 *   v4     what libwrap, rpcbind, stunnel, socat AF=2 print
 *   xinetd what xinetd prints (`::ffff:` for the mapped ones)
 *   report the address wrapwatch must report
 */
function makeSource(i) {
  const r = i % 20;
  if (r < 15) {
    const v4 = r < 12 ? `198.${51 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` : `203.0.${(i >> 8) & 255}.${i & 255}`;
    return { family: 4, v4, xinetd: r < 12 ? v4 : `::ffff:${v4}`, report: v4 };
  }
  const groups =
    r < 19 ? [0x2001, 0xdb8, i >> 8, i & 255, 0, 0, 0, (i % 7) + 1] : [0x2001, 0xdb8, 0, 0, 1, 0, 0, i & 0xffff];
  const text = canonicalV6(groups);
  return { family: 6, v4: text, xinetd: text, report: text, expanded: expandedV6(groups) };
}

// Heavy-tailed sources: source i is drawn with weight 1/(i+1) (Zipf, s=1), so a few
// scanners dominate and a long tail appears once or twice.
const sourceCount = Number(values.sources);
const cumulative = [];
let total = 0;
for (let i = 0; i < sourceCount; i++) cumulative.push((total += 1 / (i + 1)));
const sources = Array.from({ length: sourceCount }, (_, i) => makeSource(i));
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

// ---- Headers -----------------------------------------------------------------------------------
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n, w = 2) => String(n).padStart(w, '0');
let clock = Date.parse(values.start);
/** One of the three formats rsyslog writes: traditional, RSYSLOG_FileFormat, RFC 5424. */
function header(tag, pid) {
  return central ? centralHeader(tag, pid) : authHeader(tag, pid);
}
function authHeader(tag, pid) {
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

// A central log host: many senders, each stamping in its own zone.
const HOSTS = Array.from(
  { length: 60 },
  (_, i) => `${['web', 'db', 'mail', 'ns', 'fw', 'app'][i % 6]}-${pad(i + 1)}.dc${1 + (i % 3)}.example.org`,
);
const OFFSETS = [0, 60, -300, 330, 0, 120, -480, 0];
function centralHeader(tag, pid) {
  clock += int(0, 20);
  const host = pick(HOSTS);
  const style = random();
  if (style < 0.2) {
    const d = new Date(clock);
    const day = String(d.getUTCDate()).padStart(2, ' ');
    return `${MONTHS[d.getUTCMonth()]} ${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${host} ${tag}${pid === null ? '' : `[${pid}]`}: `;
  }
  const offset = pick(OFFSETS);
  const local = new Date(clock + offset * 60_000);
  const zone =
    offset === 0 && random() < 0.5
      ? 'Z'
      : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const iso = `${local.toISOString().slice(0, 19)}.${pad(local.getUTCMilliseconds(), 3)}${pad(int(0, 999), 3)}${zone}`;
  if (style < 0.95) return `${iso} ${host} ${tag}${pid === null ? '' : `[${pid}]`}: `;
  return `<${int(24, 38)}>1 ${iso} ${host} ${tag} ${pid === null ? '-' : pid} - -  `;
}
const pid = () => int(300, 99999);
const port = () => int(1024, 65535);
const users = ['root', 'admin', 'oracle', 'test', 'ubuntu', 'postgres', 'git', 'alice', 'bob'];
const services = ['daytime-stream', 'echo-stream', 'telnet', 'ftp', 'rsync', 'tftp-dgram'];

// ---- Chatter: no refusal phrase, or one in an allowed connection ------------------------------
const chatter = [
  () =>
    `${header('sshd', pid())}Accepted publickey for ${pick(users)} from ${source().v4} port ${port()} ssh2: ED25519 SHA256:utO36y9U85cpoEfWTrP1IAsY6yFxPJQDD82ktDmw/bM`,
  () =>
    `${header('sshd', pid())}Failed password for invalid user ${pick(users)} from ${source().v4} port ${port()} ssh2`,
  () => `${header('sshd', pid())}Invalid user ${pick(users)} from ${source().v4} port ${port()}`,
  () =>
    `${header('sshd', pid())}Connection closed by authenticating user ${pick(users)} ${source().v4} port ${port()} [preauth]`,
  () =>
    `${header('sshd', pid())}pam_unix(sshd:session): session opened for user ${pick(users)}(uid=${int(0, 1000)}) by (uid=0)`,
  () =>
    `${header('sshd', pid())}pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${source().v4}  user=${pick(users)}`,
  () => `${header('sshd', pid())}Received disconnect from ${source().v4} port ${port()}:11: disconnected by user`,
  () =>
    `${header('sudo', null)}   ${pick(users)} : TTY=pts/${int(0, 9)} ; PWD=/home/${pick(users)} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
  () =>
    `${header('sudo', null)}pam_unix(sudo:session): session opened for user root(uid=0) by ${pick(users)}(uid=1000)`,
  () => `${header('CRON', pid())}pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
  () => `${header('CRON', pid())}pam_unix(cron:session): session closed for user root`,
  () => `${header('systemd-logind', pid())}New session ${int(1, 9999)} of user ${pick(users)}.`,
  () => `${header('systemd-logind', pid())}Session ${int(1, 9999)} logged out. Waiting for processes to exit.`,
  () => `${header('systemd-logind', pid())}Removed session ${int(1, 9999)}.`,
  () => `${header('xinetd', pid())}START: ${pick(services)} pid=${pid()} from=${source().xinetd}`,
  () => `${header('xinetd', pid())}EXIT: ${pick(services)} status=0 pid=${pid()} duration=0(sec)`,
  () => `${header('in.telnetd', pid())}connect from ${source().v4} (${source().v4})`,
  () =>
    `${header('stunnel', null)}LOG5[${int(1, 99)}]: Service [tls] accepted connection from ${source().v4}:${port()}`,
];

// A central host's chatter: mail, web, DNS, firewall, time; longer lines. The postfix and nginx
// "Connection refused" lines are everyday chatter there, and they pass the phrase prefilter.
const mac = () => Array.from({ length: 14 }, () => pad(int(0, 255).toString(16))).join(':');
const queueId = () => int(0x10000000, 0xffffffff).toString(16).toUpperCase();
const centralChatter = [
  () =>
    `${header('kernel', null)}[${int(1000, 999999)}.${pad(int(0, 999999), 6)}] [UFW BLOCK] IN=eth0 OUT= MAC=${mac()} SRC=${source().v4} DST=192.0.2.${int(1, 254)} LEN=${int(40, 60)} TOS=0x00 PREC=0x00 TTL=${int(30, 250)} ID=${int(1, 65535)} PROTO=TCP SPT=${port()} DPT=${pick([22, 23, 25, 445, 3389, 8080])} WINDOW=${int(1024, 65535)} RES=0x00 SYN URGP=0`,
  () => `${header('postfix/smtpd', pid())}connect from unknown[${source().v4}]`,
  () =>
    `${header('postfix/smtpd', pid())}NOQUEUE: reject: RCPT from unknown[${source().v4}]: 554 5.7.1 <spam${int(1, 999)}@example.com>: Relay access denied; from=<bounce@example.net> to=<user${int(1, 99)}@example.com> proto=ESMTP helo=<${pick(['localhost', 'ylmf-pc', 'win-clj1b0gq6jp'])}>`,
  () =>
    `${header('postfix/smtp', pid())}${queueId()}: to=<user${int(1, 99)}@example.net>, relay=mx${int(1, 9)}.example.net[198.18.${int(0, 255)}.${int(1, 254)}]:25, delay=${int(0, 9)}.${int(1, 99)}, delays=0.1/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 OK ${int(1e9, 2e9)} ${queueId().toLowerCase()} - gsmtp)`,
  () =>
    `${header('postfix/smtp', pid())}connect to mx${int(1, 9)}.example.net[198.18.${int(0, 255)}.${int(1, 254)}]:25: Connection refused`,
  () =>
    `${header('dovecot', null)}imap-login: Login: user=<user${int(1, 99)}@example.com>, method=PLAIN, rip=${source().v4}, lip=192.0.2.10, mpid=${pid()}, TLS, session=<${queueId()}${queueId()}>`,
  () =>
    `${header('dovecot', null)}auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=user${int(1, 99)} rhost=${source().v4}`,
  () =>
    `${header('nginx', pid())}${int(2026, 2026)}/11/21 ${pad(int(0, 23))}:${pad(int(0, 59))}:${pad(int(0, 59))} [error] ${pid()}#${pid()}: *${int(1, 1e6)} connect() failed (111: Connection refused) while connecting to upstream, client: ${source().v4}, server: www.example.org, request: "GET /api/v1/items?page=${int(1, 99)} HTTP/1.1", upstream: "http://127.0.0.1:8080/api/v1/items", host: "www.example.org"`,
  () =>
    `${header('named', pid())}client @0x7f${int(1e8, 9e8).toString(16)} ${source().v4}#${port()} (www.example.org): query: www.example.org IN ${pick(['A', 'AAAA', 'MX', 'TXT'])} +E(0)K (192.0.2.53)`,
  () =>
    `${header('chronyd', pid())}Selected source 192.0.2.${int(1, 254)} (${pick(['0', '1', '2', '3'])}.debian.pool.ntp.org)`,
  () =>
    `${header('systemd', '1')}Started ${pick(['logrotate.service - Rotate log files', 'man-db.service - Daily man-db regeneration', 'apt-daily.service - Daily apt download activities', 'certbot.service - Certbot'])}.`,
  () =>
    `${header('sshd', pid())}Accepted publickey for ${pick(users)} from ${source().v4} port ${port()} ssh2: RSA SHA256:${queueId()}${queueId()}${queueId()}${queueId()}${queueId()}`,
  () =>
    `${header('CRON', pid())}(root) CMD (   test -x /etc/cron.daily/popularity-contest && /etc/cron.daily/popularity-contest --crond)`,
  () => `${header('xinetd', pid())}START: ${pick(services)} pid=${pid()} from=${source().xinetd}`,
];

// ---- Near misses: refusal phrases in lines that are no refusal ---------------------------------
const nearMisses = [
  // sshd writes no refusal of its own: these are attacker-chosen user names.
  () =>
    `${header('sshd', pid())}Invalid user refused connect from 6.6.6.6 (6.6.6.6) from ${source().v4} port ${port()}`,
  () =>
    `${header('sshd', pid())}Connection closed by invalid user x libwrap from=6.6.6.6 ${source().v4} port ${port()} [preauth]`,
  // Trailing text after a refusal: quoted inside another message.
  () => `${header('sshd', pid())}refused connect from ${source().v4} (${source().v4}) trailing`,
  // Addresses libwrap would never print.
  () => `${header('in.telnetd', pid())}refused connect from unknown (127.0.0.256)`,
  () => `${header('in.telnetd', pid())}refused connect from unknown (127.000.0.1)`,
  () => `${header('in.telnetd', pid())}refused connect from unknown (3ffe:ffff:100:200::212:34ff:fe12:3456)`,
  () => `${header('xinetd', pid())}FAIL: telnet libwrap from=127.0`,
  // Start-up and connection errors that contain the phrases.
  () => `${header('xinetd', pid())}2.3.15.3 started with libwrap loadavg labeled-networking options compiled in.`,
  () => `${header('sshd', pid())}error: connect_to localhost port 8080: failed.`,
  () => `${header('sshd', pid())}channel ${int(1, 9)}: open failed: connect failed: Connection refused`,
  ...(central
    ? [
        // A refusal quoted inside a mail header, and phrases in a web request.
        () =>
          `${header('postfix/cleanup', pid())}${queueId()}: warning: header Subject: refused connect from ${source().v4} (${source().v4}) from unknown[${source().v4}]; from=<a@example.net> to=<b@example.org> proto=ESMTP`,
        () =>
          `${header('nginx', pid())}${source().v4} - - "GET /?q=FAIL:%20telnet%20libwrap%20from=6.6.6.6 HTTP/1.1" 404 153 "-" "REFUSED by libwrap from 6.6.6.6:1"`,
        () =>
          `${header('stunnel', null)}LOG4[${int(1, 99)}]: Service [tls] REFUSED by libwrap from 300.1.2.3:${port()}`,
      ]
    : []),
];

// ---- Forgeries: `logger -t TAG` gives no [pid]; real sshd, tcpd, xinetd, rpcbind always log one
const forgeries = [
  () => `${header('sshd', null)}refused connect from ${source().v4} (${source().v4})`,
  () => `${header('xinetd', null)}FAIL: telnet libwrap from=${source().xinetd}`,
  () => `${header('xinetd', null)}libwrap refused connection to telnet (libwrap=in.telnetd) from ${source().xinetd}`,
  () =>
    `${header('rpcbind', null)}connect from ${source().v4} to getport/addr(portmapper): request from unauthorized host`,
];

// ---- True refusals: [kind, weight, make(source) -> message with header] -----------------------
function libwrapClient(s) {
  const r = random();
  if (r < 0.5) return s.v4;
  if (r < 0.7) return `${pick(users)}@${s.v4}`; // ident
  if (r < 0.9) return `host-${int(1, 999)}.example.net`; // reverse DNS: the attacker's PTR
  if (r < 0.95) return `root@6.6.6.6@${s.v4}`; // ident text chosen by the client
  return `#033[31mred@${s.v4}`; // rsyslog's escape of a control character
}
const refusals = [
  [
    'libwrap',
    6,
    (s) =>
      `${header(pick(['sshd', 'sshd', 'sshd', 'in.telnetd', 'nrpe', 'in.ftpd', 'in.fingerd']), pid())}refused connect from ${libwrapClient(s)} (${s.v4})`,
  ],
  [
    'xinetd-libwrap',
    2,
    (s) => {
      // After a `severity crit` hosts.deny rule fired, xinetd prefixes "PID {access_control} ".
      const prefix = random() < 0.05 ? `${pid()} {access_control} ` : '';
      return `${header('xinetd', pid())}${prefix}libwrap refused connection to ${pick(services)} (libwrap=${pick(['telnet', 'ftp', 'in.telnetd'])}) from ${s.xinetd}`;
    },
  ],
  ['xinetd-fail', 2, (s) => `${header('xinetd', pid())}FAIL: ${pick(services)} libwrap from=${s.xinetd}`],
  [
    'rpcbind',
    1,
    (s) =>
      `${header('rpcbind', pid())}connect from ${s.v4} to ${pick(['getport/addr(portmapper)', 'dump()', 'set(mountd)'])}: request from unauthorized host`,
  ],
  // stunnel prints IPv6 unbracketed; the port follows the last colon.
  [
    'stunnel',
    1,
    (s) =>
      `${header('stunnel', null)}LOG4[${int(1, 99)}]: Service [${pick(['tls', 'imaps', 'wraptls'])}] REFUSED by libwrap from ${s.v4}:${port()}`,
  ],
  // socat prints IPv6 fully expanded and bracketed.
  [
    'socat',
    1,
    (s) =>
      s.family === 4
        ? `${header('socat', pid())}W refusing connection from AF=2 ${s.v4}:${port()} due to tcpwrapper option`
        : `${header('socat', pid())}W refusing connection from AF=10 [${s.expanded}]:${port()} due to tcpwrapper option`,
  ],
  [
    'inetd',
    1,
    (s) =>
      `${header('inetd', pid())}refused connection from ${s.v4}, service ${pick(['telnet', 'ftp', 'finger'])} (${s.family === 4 ? 'tcp' : 'tcp6'})`,
  ],
  ['tftpd', 0.5, (s) => `${header('in.tftpd', pid())}connection refused from ${s.v4}`],
];
// The central host's mix: more super-server and tunnel refusals than sshd's.
const CENTRAL_WEIGHTS = {
  libwrap: 3,
  'xinetd-libwrap': 3,
  'xinetd-fail': 3,
  rpcbind: 2,
  stunnel: 2,
  socat: 1,
  inetd: 1,
  tftpd: 1,
};
const refusalWeights = [];
let weightTotal = 0;
for (const [kind, w] of refusals) refusalWeights.push((weightTotal += central ? CENTRAL_WEIGHTS[kind] : w));
function refusal() {
  const x = random() * weightTotal;
  return refusals[refusalWeights.findIndex((w) => x < w)];
}

/** rsyslog's repeated-message reduction: one line, N refusals (same tag and pid). */
function repeated(line, count) {
  const at = line.search(/(\d+ \{access_control\} )?(refused connect|libwrap refused)/);
  return `${line.slice(0, at)}message repeated ${count} times: [ ${line.slice(at)}]`;
}

// ---- Write ---------------------------------------------------------------------------------------
const lines = Number(values.lines);
const ratio = Number(values['refusal-ratio']);
const expected = {
  shape: values.shape,
  seed: Number(values.seed),
  lines,
  refusalLines: 0,
  refusalEvents: 0,
  nearMisses: 0,
  forgeries: 0,
  byKind: {},
  byFamily: { 4: 0, 6: 0 },
  repeatedLines: 0,
};
const out = createWriteStream(values.out);
const truth = createWriteStream(`${values.out}.truth.tsv`);
let buffer = [];
let truthBuffer = [];
async function flush(stream, parts) {
  if (parts.length > 0 && !stream.write(parts.join('\n') + '\n')) await new Promise((r) => stream.once('drain', r));
}
for (let n = 1; n <= lines; n++) {
  const r = random();
  let line;
  if (r < ratio) {
    const [kind, , make] = refusal();
    const s = source();
    line = make(s);
    let count = 1;
    if ((kind === 'libwrap' || kind === 'xinetd-libwrap') && random() < 0.02) {
      count = int(2, 50);
      line = repeated(line, count);
      expected.repeatedLines++;
    }
    expected.refusalLines++;
    expected.refusalEvents += count;
    expected.byKind[kind] = (expected.byKind[kind] ?? 0) + count;
    expected.byFamily[s.family] += count;
    truthBuffer.push(`${n}\t${kind}\t${s.report}\t${count}`);
  } else if (r < ratio + 0.008) {
    line = pick(nearMisses)();
    expected.nearMisses++;
  } else if (r < ratio + 0.01) {
    line = pick(forgeries)();
    expected.forgeries++;
  } else {
    line = pick(central ? centralChatter : chatter)();
  }
  buffer.push(line);
  if (buffer.length === 10_000) {
    await flush(out, buffer);
    await flush(truth, truthBuffer);
    buffer = [];
    truthBuffer = [];
  }
}
await flush(out, buffer);
await flush(truth, truthBuffer);
const close = (stream) => new Promise((resolve, reject) => stream.end((err) => (err ? reject(err) : resolve())));
await Promise.all([close(out), close(truth)]);
await writeFile(`${values.out}.expected.json`, JSON.stringify(expected, null, 2) + '\n');
process.stderr.write(`wrote ${values.out}: ${JSON.stringify(expected)}\n`);

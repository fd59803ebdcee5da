/**
 * The parser's cost per line, by what the line is: chatter the prefilter turns away, each
 * refusal format, each header format; and the byte-level splitter over a realistic chunk.
 *
 *   npx vitest bench --run test/bench/parser.bench.ts
 */
import { bench, describe } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import { REFUSAL_PHRASES } from '../../src/parse/prefilter.js';
import { LineSplitter } from '../../src/source/line-splitter.js';

const NOW = Date.UTC(2026, 10, 21, 16, 0, 0);
const parser = new LineParser({ timeZone: 'UTC', now: () => NOW });
const ISO = '2026-11-21T15:39:32.040831+00:00 gate';

const CHATTER = [
  `${ISO} sshd[4411]: Accepted publickey for alice from 198.51.100.7 port 51572 ssh2: ED25519 SHA256:utO36y9U85cpoEfWTrP1IAsY6yFxPJQDD82ktDmw/bM`,
  `${ISO} CRON[3001]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
  `${ISO} sudo:    alice : TTY=pts/2 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
  `${ISO} systemd-logind[512]: New session 4953 of user postgres.`,
];
const REFUSALS: Record<string, string> = {
  libwrap: `${ISO} sshd[4411]: refused connect from host-7.example.net (198.51.100.7)`,
  'xinetd-libwrap': `${ISO} xinetd[12740]: libwrap refused connection to daytime-stream (libwrap=daytime) from ::ffff:198.51.100.7`,
  'xinetd-fail': `${ISO} xinetd[12740]: FAIL: daytime-stream libwrap from=198.51.100.7`,
  rpcbind: `${ISO} rpcbind[777]: connect from 198.51.100.7 to getport/addr(portmapper): request from unauthorized host`,
  stunnel: `${ISO} stunnel: LOG4[3]: Service [tls] REFUSED by libwrap from 2001:db8:7:1::5:40512`,
  socat: `${ISO} socat[9001]: W refusing connection from AF=10 [2001:0db8:0000:0001:0000:0000:0000:0001]:40512 due to tcpwrapper option`,
  inetd: `${ISO} inetd[600]: refused connection from 198.51.100.7, service telnet (tcp)`,
  tftpd: `${ISO} in.tftpd[601]: connection refused from 198.51.100.7`,
};
const HEADERS: Record<string, string> = {
  rfc3164: 'Nov 21 15:39:32 gate sshd[4411]: refused connect from 198.51.100.7 (198.51.100.7)',
  rfc3339: `${ISO} sshd[4411]: refused connect from 198.51.100.7 (198.51.100.7)`,
  rfc5424:
    '<38>1 2026-11-21T15:39:32.040831+00:00 gate sshd 4411 - -  refused connect from 198.51.100.7 (198.51.100.7)',
};
const NEAR_MISSES = [
  `${ISO} sshd[4411]: Invalid user refused connect from 6.6.6.6 (6.6.6.6) from 198.51.100.7 port 35416`,
  `${ISO} sshd: refused connect from 198.51.100.7 (198.51.100.7)`,
  `${ISO} in.telnetd[88]: refused connect from unknown (127.000.0.1)`,
];

describe('LineParser.parseLine', () => {
  let i = 0;
  bench('chatter (turned away by the prefilter)', () => {
    parser.parseLine(CHATTER[i++ & 3] ?? '');
  });
  for (const [kind, line] of Object.entries(REFUSALS)) {
    bench(`refusal: ${kind}`, () => {
      parser.parseLine(line);
    });
  }
  for (const [format, line] of Object.entries(HEADERS)) {
    bench(`header: ${format}`, () => {
      parser.parseLine(line);
    });
  }
  let j = 0;
  bench('near miss / forgery (full parse, no refusal)', () => {
    parser.parseLine(NEAR_MISSES[j++ % NEAR_MISSES.length] ?? '');
  });
});

// A 1 MiB chunk of a typical auth log: 9 lines of chatter for each refusal.
const mix = [...CHATTER, ...CHATTER, CHATTER[0] ?? '', ...Object.values(REFUSALS).slice(0, 1)];
const lines: string[] = [];
let size = 0;
for (let n = 0; size < 1 << 20; n++) {
  const line = mix[n % mix.length] ?? '';
  lines.push(line);
  size += line.length + 1;
}
const CHUNK = Buffer.from(`${lines.join('\n')}\n`, 'latin1');

describe(`LineSplitter + parser over a 1 MiB chunk (${lines.length} lines)`, () => {
  bench('split with the phrase prefilter, parse what is kept', () => {
    const splitter = new LineSplitter(65536, { keep: REFUSAL_PHRASES });
    for (const line of splitter.push(CHUNK)) if (line.text !== undefined) parser.parseLine(line.text);
  });
  bench('split every line, parse every line', () => {
    const splitter = new LineSplitter(65536);
    for (const line of splitter.push(CHUNK)) if (line.text !== undefined) parser.parseLine(line.text);
  });
});

import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { PLATFORM_LOGS } from './platform-logs.js';
import type { Readable } from 'node:stream';
import type { NotReportedReason, RefusalEvent, RefusalKind, RefusalPeer } from '../types.js';
import { LineParser, NOT_REPORTED_REASONS, printableAscii, type ParseResult } from '../parse/parser.js';
import { REFUSAL_PHRASES } from '../parse/prefilter.js';
import { systemTimeZone } from '../parse/system-time-zone.js';
import { assertTimeZone, formatWithOffset } from '../parse/time.js';
import { LineSplitter, type LineDefect, type SplitLine } from '../source/line-splitter.js';
import { parseCommandLine, usageError } from './usage.js';
import { realScheduler } from '../time/scheduler.js';

const USAGE = `usage: wrapwatch parse [--json | --count] [--timezone TZ] [--max-line-bytes N] [FILE ...]

Prints every libwrap refusal found in the FILEs (standard input when none, or "-"),
one per line; with --json one JSON object per line; with --count only the number of
refusals (like grep -c). A summary goes to standard error.
--timezone is the IANA zone of traditional "Nov 21 15:39:32" headers (default: this machine's).
Lines that carry a refusal phrase but are not reported are counted in the summary under
the reason (unknown-header, bad-tag, missing-pid, invalid-address, not-a-refusal).
tftpd-hpa logs its own address, not the client's: such refusals print address=unknown
server_address=ADDR. openbsd-inetd may log only the client's name: address=unknown client="NAME".
Exit status: 0, or 2 when a file cannot be read.`;

type SkipReason = LineDefect | NotReportedReason;

interface Tally {
  lines: number;
  refusals: number;
  byKind: Map<RefusalKind, number>;
  skipped: Record<SkipReason, number>;
}

/** Writes output in large pieces: one write per refusal would dominate a million-line run. */
class BufferedOut {
  private parts: string[] = [];
  private size = 0;

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 64 * 1024) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function peerText(peer: RefusalPeer): string {
  switch (peer.kind) {
    case 'client-address':
      return `address=${peer.address}`;
    case 'server-address':
      return `address=unknown server_address=${peer.serverAddress}`;
    case 'name-only':
      return 'address=unknown';
    default: {
      const unknown: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(unknown)}`);
    }
  }
}

/** The JSON fields of a peer: `address` is only ever a client's address. */
function peerJson(peer: RefusalPeer): {
  peer: RefusalPeer['kind'];
  address: string | null;
  family: number | null;
  serverAddress?: string;
} {
  switch (peer.kind) {
    case 'client-address':
      return { peer: peer.kind, address: peer.address, family: peer.family };
    case 'server-address':
      return { peer: peer.kind, address: null, family: null, serverAddress: peer.serverAddress };
    case 'name-only':
      return { peer: peer.kind, address: null, family: null };
    default: {
      const unknown: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(unknown)}`);
    }
  }
}

function formatText(event: RefusalEvent): string {
  const pid = event.pid === null ? '' : `[${event.pid}]`;
  const service = event.service === null ? '' : ` service=${printableAscii(event.service)}`;
  const client = event.client === null ? '' : ` client=${JSON.stringify(event.client)}`;
  const count = event.count === 1 ? '' : ` count=${event.count}`;
  const daemon = event.daemon === '' ? '(no-tag)' : printableAscii(event.daemon);
  return `${formatWithOffset(event.time, event.utcOffsetMinutes)} ${printableAscii(event.host)} ${daemon}${pid} ${event.kind}${service} ${peerText(event.peer)}${client}${count}\n`;
}

function formatJson(event: RefusalEvent, input: string, lineNumber: number): string {
  return `${JSON.stringify({
    input,
    lineNumber,
    time: formatWithOffset(event.time, event.utcOffsetMinutes),
    host: event.host,
    daemon: event.daemon,
    pid: event.pid,
    service: event.service,
    ...peerJson(event.peer),
    client: event.client,
    kind: event.kind,
    count: event.count,
  })}\n`;
}

type OutputMode = 'text' | 'json' | 'count';

/** Bytes per read of a file: the buffer is reused, so the read size costs memory only once. */
const READ_BYTES = 256 * 1024;

/**
 * A file's bytes in chunks that share one buffer: each is valid until the next is asked for
 * (the splitter copies what it keeps). A stream would allocate every chunk anew, and those
 * buffers and their garbage were most of the peak memory of a run over a large log. The reads
 * are synchronous: this command has nothing else to do meanwhile, and each asynchronous read
 * was a round trip through the thread pool (about 10% of a run).
 */
function* fileChunks(path: string): Iterable<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

async function scan(
  chunks: Readable | Iterable<Buffer>,
  input: string,
  parser: LineParser,
  maxLineBytes: number,
  mode: OutputMode,
  out: BufferedOut,
  tally: Tally,
): Promise<void> {
  const splitter = new LineSplitter(maxLineBytes, { keep: REFUSAL_PHRASES });
  const handle = (line: SplitLine): void => {
    if (line.defect !== undefined) {
      tally.skipped[line.defect]++;
      return;
    }
    const result: ParseResult = parser.parseLine(line.text);
    if (result.kind === 'none') return;
    if (result.kind === 'not-reported') {
      tally.skipped[result.reason]++;
      return;
    }
    const event = result.event;
    tally.refusals += event.count;
    tally.byKind.set(event.kind, (tally.byKind.get(event.kind) ?? 0) + event.count);
    if (mode === 'json') out.add(formatJson(event, input, line.lineNumber));
    else if (mode === 'text') out.add(formatText(event));
  };
  for await (const chunk of chunks) {
    for (const line of splitter.push(chunk as Buffer)) handle(line);
  }
  const last = splitter.flushPartial();
  if (last) handle(last);
  tally.lines += splitter.lineCount;
}

/** What a sysadmin can do about a file that cannot be read. */
function readProblem(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'ENOENT': {
      const present = PLATFORM_LOGS.filter((path) => existsSync(path));
      const here =
        present.length > 0
          ? `this machine logs to ${present.join(', ')}`
          : 'syslog writes refusals to /var/log/auth.log and /var/log/syslog (Debian) or /var/log/secure (RHEL)';
      return `no such file (${here}; to try wrapwatch: fixtures/sample-auth.log in the source tree)`;
    }
    case 'EACCES':
      return 'permission denied (logs are usually readable by root and group adm)';
    case 'EISDIR':
      return 'is a directory (name the log file itself)';
    case undefined:
    default:
      return code ?? String(err);
  }
}

function summary(tally: Tally, missing: number): string {
  const kinds = [...tally.byKind].map(([kind, n]) => `${kind} ${n}`).join(', ');
  const skipped = Object.entries(tally.skipped)
    .map(([why, n]) => `${n} ${why}`)
    .join(', ');
  const missingText = missing > 0 ? `; ${missing} file${missing === 1 ? '' : 's'} could not be read` : '';
  return `wrapwatch parse: ${tally.lines} lines read, ${tally.refusals} refusals${kinds ? ` (${kinds})` : ''}; skipped: ${skipped}${missingText}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        count: { type: 'boolean', short: 'c' },
        timezone: { type: 'string' },
        'max-line-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const timeZone = args.values.timezone ?? systemTimeZone();
  try {
    assertTimeZone(timeZone);
  } catch {
    return usageError(`unknown time zone "${timeZone}" (use an IANA name such as UTC or Europe/Berlin)`, USAGE);
  }
  if (args.values.json && args.values.count) return usageError('--json and --count exclude each other', USAGE);
  const mode: OutputMode = args.values.json ? 'json' : args.values.count ? 'count' : 'text';
  const maxLineBytes = Number(args.values['max-line-bytes'] ?? 65536);
  if (!Number.isInteger(maxLineBytes) || maxLineBytes < 1)
    return usageError('--max-line-bytes must be a positive integer', USAGE);

  // One "now" for the whole run: it only places yearless timestamps in a year, and asking the
  // clock for every candidate line cost 2% of a run.
  const startedAt = realScheduler.now();
  const parser = new LineParser({ timeZone, now: () => startedAt });
  const tally: Tally = {
    lines: 0,
    refusals: 0,
    byKind: new Map(),
    skipped: {
      'too-long': 0,
      binary: 0,
      'invalid-utf8': 0,
      ...Object.fromEntries(NOT_REPORTED_REASONS.map((r) => [r, 0])),
    } as Record<SkipReason, number>,
  };
  const out = new BufferedOut();
  const files = args.positionals.length > 0 ? args.positionals : ['-'];
  let missing = 0;
  for (const file of files) {
    try {
      await scan(
        file === '-' ? process.stdin : fileChunks(file),
        file === '-' ? '(stdin)' : file,
        parser,
        maxLineBytes,
        mode,
        out,
        tally,
      );
    } catch (err) {
      out.flush();
      const code = (err as NodeJS.ErrnoException).code;
      process.stderr.write(`wrapwatch parse: cannot read ${file}: ${readProblem(code, err)}\n`);
      missing++;
    }
  }
  if (mode === 'count') out.add(`${tally.refusals}\n`);
  out.flush();
  process.stderr.write(summary(tally, missing));
  return missing > 0 ? 2 : 0;
}

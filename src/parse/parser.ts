import type { JournalRecord, NotReportedReason, RefusalEvent, SyslogRecord } from '../types.js';
import { scanHeader, scannedInstant } from './header.js';
import { HeaderScan } from './header-scan.js';
import { isInvalidAddress, matchRefusalMessage, pidOptional, unwrapRepeated, type MessageMatch } from './messages.js';
import { mightBeRefusal } from './prefilter.js';
import { TimeZoneResolver, YearlessResolver } from './time.js';

/**
 * The outcome for one line. Ordinary chatter (no refusal phrase) costs one prefilter check and
 * yields `none`; a line WITH a refusal phrase is either a refusal or `not-reported` with the
 * reason, which the caller counts: no line that looks like a refusal disappears without a trace.
 */
export type ParseResult =
  | { readonly kind: 'refusal'; readonly event: RefusalEvent }
  | { readonly kind: 'none' }
  | { readonly kind: 'not-reported'; readonly reason: NotReportedReason };

const NONE: ParseResult = Object.freeze({ kind: 'none' });
const notReported = (reason: NotReportedReason): ParseResult => Object.freeze({ kind: 'not-reported', reason });
const UNKNOWN_HEADER = notReported('unknown-header');
const MISSING_PID = notReported('missing-pid');
const INVALID_ADDRESS = notReported('invalid-address');
const NOT_A_REFUSAL = notReported('not-a-refusal');
const BAD_TAG = notReported('bad-tag');

/** Every reason, in the order summaries print them. */
export const NOT_REPORTED_REASONS: readonly NotReportedReason[] = [
  'unknown-header',
  'bad-tag',
  'missing-pid',
  'invalid-address',
  'not-a-refusal',
];

export interface ParserOptions {
  /** IANA zone of traditional headers. */
  readonly timeZone: string;
  /** Injected clock: resolves the year of traditional headers. */
  readonly now: () => number;
}

/** Any character outside printable ASCII becomes `?`: log text is attacker-controlled and ends up in terminals. */
export function printableAscii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** The logged client text as printable ASCII, at most 255 characters. */
export function sanitizeClient(text: string): string {
  const clean = printableAscii(text);
  return clean.length > 255 ? `${clean.slice(0, 252)}...` : clean;
}

/** Same rule as the file header's tag: no blank, bracket, colon or control character; empty as `[pid]: msg`. */
const IDENTIFIER = /^[^\s[\]:\x00-\x1f\x7f]{0,64}$/;

/**
 * Turns syslog lines (or journal entries) into refusal events. Pure apart from the injected
 * clock; one instance per pipeline so the time zone offset cache is shared.
 */
export class LineParser {
  private readonly zone: TimeZoneResolver;
  private readonly yearless: YearlessResolver;
  private readonly now: () => number;
  /** Reused for every line, as is the context: scanning a header allocates nothing. */
  private readonly scan = new HeaderScan();
  private readonly ctx: { nowMs: number; readonly zone: TimeZoneResolver; readonly yearless: YearlessResolver };

  constructor(options: ParserOptions) {
    this.zone = new TimeZoneResolver(options.timeZone);
    this.yearless = new YearlessResolver(this.zone);
    this.now = options.now;
    this.ctx = { nowMs: 0, zone: this.zone, yearless: this.yearless };
  }

  /** `nowMs` (default: the `now` option) dates yearless headers; a batch may read it once for all its lines. */
  parseLine(line: string, nowMs: number = this.now()): ParseResult {
    if (!mightBeRefusal(line)) return NONE;
    const ctx = this.ctx;
    ctx.nowMs = nowMs;
    // The header is scanned in place, and strings are made of its fields only for a line that
    // is reported (most candidates on a busy host are turned away by their message).
    const scan = this.scan;
    if (!scanHeader(line, scan)) return UNKNOWN_HEADER;
    const when = scannedInstant(scan, ctx);
    if (!when) return UNKNOWN_HEADER;
    const verdict = judgeMessage(line.slice(scan.messageStart), scan.pid);
    if (!('match' in verdict)) return verdict;
    return refusal(
      verdict,
      new Date(when.epochMs),
      when.utcOffsetMinutes,
      line.slice(scan.hostStart, scan.hostEnd),
      line.slice(scan.tagStart, scan.tagEnd),
      scan.pid,
    );
  }

  /** A journal entry: the header fields come from journald, the message is the sender's. */
  parseJournal(entry: JournalRecord): ParseResult {
    if (!mightBeRefusal(entry.message)) return NONE;
    if (!IDENTIFIER.test(entry.identifier)) return BAD_TAG;
    return this.fromRecord({
      format: 'journal',
      time: entry.time,
      utcOffsetMinutes: this.zone.offsetAt(entry.time.getTime()),
      host: entry.hostname,
      tag: entry.identifier,
      pid: entry.pid,
      message: entry.message,
    });
  }

  private fromRecord(record: SyslogRecord): ParseResult {
    const verdict = judgeMessage(record.message, record.pid);
    if (!('match' in verdict)) return verdict;
    return refusal(verdict, record.time, record.utcOffsetMinutes, record.host, record.tag, record.pid);
  }
}

/** A message in a refusal format, with the refusals it stands for. */
interface Found {
  readonly match: MessageMatch;
  readonly count: number;
}

/** What a message says, whatever header carried it: a refusal, or why it is not reported. */
function judgeMessage(text: string, pid: number | null): Found | ParseResult {
  let message = text;
  let count = 1;
  const repeated = unwrapRepeated(message);
  if (repeated) {
    message = repeated.message;
    count = repeated.count;
  }
  const match = matchRefusalMessage(message);
  if (match === null) return NOT_A_REFUSAL;
  if (isInvalidAddress(match)) return INVALID_ADDRESS;
  // `logger -t sshd` gives no [pid]; every daemon here logs one except stunnel.
  if (pid === null && !pidOptional(match.kind)) return MISSING_PID;
  return { match, count };
}

function refusal(
  { match, count }: Found,
  time: Date,
  utcOffsetMinutes: number,
  host: string,
  daemon: string,
  pid: number | null,
): ParseResult {
  // An empty tag (tcpd run by xinetd with NAMEINARGS after server_args has an empty argv[0])
  // names no daemon: the service is then unknown too, in every header format alike.
  return {
    kind: 'refusal',
    event: {
      kind: match.kind,
      time,
      utcOffsetMinutes,
      host,
      daemon,
      pid,
      service: match.kind === 'socat' ? null : (match.service ?? (daemon === '' ? null : daemon)),
      peer: match.peer,
      client: match.client === null ? null : sanitizeClient(match.client),
      count,
    },
  };
}

// FROZEN COPY of src/parse/parser.ts as it was before issue 15's hand-written scanners (commit
// fe1fb32): the oracle test/parse/fast-path.test.ts holds the current parser to, line by line.
// Do not edit to follow src/; if the parser's behaviour is meant to change, change the test.
import type { JournalRecord, NotReportedReason, RefusalEvent, SyslogRecord } from '../../../src/types.js';
import { parseSyslogHeader, type HeaderContext } from './header.js';
import { isInvalidAddress, matchRefusalMessage, pidOptional, unwrapRepeated } from './messages.js';
import { mightBeRefusal } from '../../../src/parse/prefilter.js';
import { TimeZoneResolver } from '../../../src/parse/time.js';

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
  private readonly now: () => number;

  constructor(options: ParserOptions) {
    this.zone = new TimeZoneResolver(options.timeZone);
    this.now = options.now;
  }

  parseLine(line: string): ParseResult {
    if (!mightBeRefusal(line)) return NONE;
    const ctx: HeaderContext = { nowMs: this.now(), zone: this.zone };
    const record = parseSyslogHeader(line, ctx);
    if (!record) return UNKNOWN_HEADER;
    return this.fromRecord(record);
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
    let message = record.message;
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
    if (record.pid === null && !pidOptional(match.kind)) return MISSING_PID;
    // An empty tag (tcpd run by xinetd with NAMEINARGS after server_args has an empty argv[0])
    // names no daemon: the service is then unknown too, in every header format alike.
    const daemon = record.tag;
    return {
      kind: 'refusal',
      event: {
        kind: match.kind,
        time: record.time,
        utcOffsetMinutes: record.utcOffsetMinutes,
        host: record.host,
        daemon,
        pid: record.pid,
        service: match.kind === 'socat' ? null : (match.service ?? (daemon === '' ? null : daemon)),
        peer: match.peer,
        client: match.client === null ? null : sanitizeClient(match.client),
        count,
      },
    };
  }
}

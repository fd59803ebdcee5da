import type { JournalRecord, RefusalEvent, SyslogRecord } from '../types.js';
import { parseSyslogHeader, type HeaderContext } from './header.js';
import { matchRefusalMessage, pidOptional, unwrapRepeated } from './messages.js';
import { mightBeRefusal } from './prefilter.js';
import { TimeZoneResolver } from './time.js';

/** The outcome for one line. Ordinary chatter costs one prefilter check and yields `none`. */
export type ParseResult =
  | { readonly kind: 'refusal'; readonly event: RefusalEvent }
  | { readonly kind: 'none' }
  /** The line mentions a refusal phrase but carries no header we know: counted, never guessed at. */
  | { readonly kind: 'unknown-header' };

const NONE: ParseResult = Object.freeze({ kind: 'none' });
const UNKNOWN_HEADER: ParseResult = Object.freeze({ kind: 'unknown-header' });

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

/** Same rule as the file header's tag: no blank, bracket, colon or control character. */
const IDENTIFIER = /^[^\s[\]:\x00-\x1f\x7f]{1,64}$/;

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
    if (!IDENTIFIER.test(entry.identifier)) return NONE;
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
    if (!match) return NONE;
    // `logger -t sshd` gives no [pid]; every daemon here logs one except stunnel.
    if (record.pid === null && !pidOptional(match.kind)) return NONE;
    return {
      kind: 'refusal',
      event: {
        kind: match.kind,
        time: record.time,
        utcOffsetMinutes: record.utcOffsetMinutes,
        host: record.host,
        daemon: record.tag,
        pid: record.pid,
        service: match.kind === 'socat' ? null : (match.service ?? record.tag),
        address: match.address.address,
        family: match.address.family,
        client: match.client === null ? null : sanitizeClient(match.client),
        count,
      },
    };
  }
}

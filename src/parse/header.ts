import type { SyslogRecord } from '../types.js';
import { HeaderScan, scanRfc3339, scanTraditional } from './header-scan.js';
import { resolveYearless, type TimeZoneResolver, type YearlessResolver, type ZonedInstant } from './time.js';

/**
 * The three header formats rsyslog writes (see the notes): traditional RFC 3164
 * (`Nov 21 15:39:32 vm xinetd[11138]: msg`, day space-padded or not), RSYSLOG_FileFormat
 * (`2026-11-21T15:39:32.040831+00:00 vm xinetd[11138]: msg`, Debian's default) and RFC 5424
 * (`<30>1 2026-11-21T15:39:32.040831+00:00 vm xinetd 11138 - -  msg`).
 *
 * RFC 5424 is read with an anchored pattern built from runs that cannot overlap (`\S+` then a
 * blank), so matching is linear in the line length whatever an attacker puts in it; the other
 * two, nearly every line of a log, are scanned by header-scan.ts without a pattern (also linear).
 */

export interface HeaderContext {
  readonly nowMs: number;
  readonly zone: TimeZoneResolver;
  /** Resolves traditional headers' yearless times, remembering recent minutes (one per parser). */
  readonly yearless?: YearlessResolver;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$/s;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses an RFC 3339 timestamp into epoch ms and its offset; null if malformed. */
export function parseRfc3339(text: string): ZonedInstant | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = m;
  const offset =
    zone === undefined || zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  return rfc3339Instant(
    Number(year),
    Number(month),
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    fraction === undefined ? 0 : Number(fraction),
    fraction === undefined ? 0 : fraction.length,
    offset,
  );
}

/**
 * Date.UTC(year, month - 1, day, hour), remembered: the lines of a log share a few hours, and
 * Date.UTC was the largest cost of an RFC 3339 header. Minutes, seconds and milliseconds in
 * range add up exactly as Date.UTC would add them.
 */
const hourStarts = new Map<number, number>();
function utcHourStart(year: number, month: number, day: number, hour: number): number {
  const key = ((year * 16 + month) * 32 + day) * 24 + hour;
  let start = hourStarts.get(key);
  if (start === undefined) {
    if (hourStarts.size >= 4096) hourStarts.clear();
    start = Date.UTC(year, month - 1, day, hour);
    hourStarts.set(key, start);
  }
  return start;
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * The instant of RFC 3339 fields (month 1-12; the fraction as `digits` decimal digits of
 * value `fraction`); null when a field is out of range. A leap second stays in its minute.
 */
export function rfc3339Instant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: number,
  digits: number,
  offsetMinutes: number,
): ZonedInstant | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  // fraction / 10^digits is the double nearest to the decimal 0.DIGITS, as Number('0.DIGITS') is.
  const ms = digits > 0 ? Math.floor((fraction / (POWERS_OF_TEN[digits] ?? 1)) * 1000) : 0;
  const epochMs =
    utcHourStart(year, month, day, hour) + minute * 60_000 + Math.min(second, 59) * 1000 + ms - offsetMinutes * 60_000;
  return Number.isFinite(epochMs) ? { epochMs, utcOffsetMinutes: offsetMinutes } : null;
}

/** The instant a scanned traditional or RSYSLOG_FileFormat header stands for; null if none. */
export function scannedInstant(scan: HeaderScan, ctx: HeaderContext): ZonedInstant | null {
  if (scan.format === 'rfc3164') {
    const { month, day, hour, minute, second } = scan;
    return ctx.yearless
      ? ctx.yearless.resolve(month - 1, day, hour, minute, second, ctx.nowMs)
      : resolveYearless({ month: month - 1, day, hour, minute, second }, ctx.nowMs, ctx.zone);
  }
  return rfc3339Instant(
    scan.year,
    scan.month,
    scan.day,
    scan.hour,
    scan.minute,
    scan.second,
    scan.fraction,
    scan.fractionDigits,
    scan.offsetMinutes,
  );
}

/** Scans a traditional or RSYSLOG_FileFormat header (by its first character); false if it has neither shape. */
export function scanHeader(line: string, scan: HeaderScan): boolean {
  const first = line.charCodeAt(0);
  return first >= 0x30 && first <= 0x39 ? scanRfc3339(line, scan) : scanTraditional(line, scan);
}

function scanned(line: string, ctx: HeaderContext): SyslogRecord | null {
  const scan = new HeaderScan();
  if (!scanHeader(line, scan)) return null;
  const when = scannedInstant(scan, ctx);
  if (!when) return null;
  return {
    format: scan.format,
    time: new Date(when.epochMs),
    utcOffsetMinutes: when.utcOffsetMinutes,
    host: line.slice(scan.hostStart, scan.hostEnd),
    tag: line.slice(scan.tagStart, scan.tagEnd),
    pid: scan.pid,
    message: line.slice(scan.messageStart),
  };
}

/** Skips RFC 5424 STRUCTURED-DATA (`-` or `[id k="v"]...`, `\]` and `\"` escaped); returns the index after it. */
function skipStructuredData(text: string): number {
  if (text.startsWith('-')) return 1;
  let i = 0;
  while (text[i] === '[') {
    let inQuotes = false;
    i++;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '"') inQuotes = !inQuotes;
      else if (c === ']' && !inQuotes) break;
    }
    if (i >= text.length) return -1;
    i++;
  }
  return i === 0 ? -1 : i;
}

function rfc5424(line: string, ctx: HeaderContext): SyslogRecord | null {
  const m = RFC5424.exec(line);
  if (!m) return null;
  const stamp = m[2] ?? '-';
  const when =
    stamp === '-' ? { epochMs: ctx.nowMs, utcOffsetMinutes: ctx.zone.offsetAt(ctx.nowMs) } : parseRfc3339(stamp);
  if (!when) return null;
  const rest = m[7] ?? '';
  const sdEnd = skipStructuredData(rest);
  if (sdEnd < 0) return null;
  let message = rest.slice(sdEnd);
  if (message !== '' && !message.startsWith(' ')) return null;
  // rsyslog keeps the blank that followed "tag:" in the message, so 5424 lines show two.
  message = message.slice(message.startsWith('  ') ? 2 : 1);
  if (message.startsWith('\uFEFF')) message = message.slice(1);
  const procId = m[5] ?? '-';
  return {
    format: 'rfc5424',
    time: new Date(when.epochMs),
    utcOffsetMinutes: when.utcOffsetMinutes,
    host: m[3] ?? '-',
    // NILVALUE: no tag, the same record the file formats give for `[pid]: msg`.
    tag: m[4] === undefined || m[4] === '-' ? '' : m[4],
    pid: /^\d{1,10}$/.test(procId) ? Number(procId) : null,
    message,
  };
}

/** Splits a syslog line into header fields and message, or null when no known header fits. */
export function parseSyslogHeader(line: string, ctx: HeaderContext): SyslogRecord | null {
  const first = line.charCodeAt(0);
  if (first === 0x3c /* < */) return rfc5424(line, ctx);
  return scanned(line, ctx);
}

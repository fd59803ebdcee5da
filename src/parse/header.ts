import type { SyslogRecord } from '../types.js';
import { HeaderScan, scan5424, scanRfc3339, scanTraditional } from './header-scan.js';
import { resolveYearless, type TimeZoneResolver, type YearlessResolver, type ZonedInstant } from './time.js';

/**
 * The three header formats rsyslog writes (see the notes): traditional RFC 3164
 * (`Nov 21 15:39:32 vm xinetd[11138]: msg`, day space-padded or not), RSYSLOG_FileFormat
 * (`2026-11-21T15:39:32.040831+00:00 vm xinetd[11138]: msg`, Debian's default) and RFC 5424
 * (`<30>1 2026-11-21T15:39:32.040831+00:00 vm xinetd 11138 - -  msg`).
 *
 * All three are scanned by header-scan.ts, character by character and without backtracking, so
 * reading a header is linear in the line length whatever an attacker puts in it.
 */

export interface HeaderContext {
  readonly nowMs: number;
  readonly zone: TimeZoneResolver;
  /** Resolves traditional headers' yearless times, remembering recent minutes (one per parser). */
  readonly yearless?: YearlessResolver;
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

/** The instant a scanned header stands for; null if none (no such date, a field out of range). */
export function scannedInstant(scan: HeaderScan, ctx: HeaderContext): ZonedInstant | null {
  if (scan.format === 'rfc5424' && scan.nilTimestamp)
    return { epochMs: ctx.nowMs, utcOffsetMinutes: ctx.zone.offsetAt(ctx.nowMs) };
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

/** Scans a header of the format its first character announces; false if it does not have that shape. */
export function scanHeader(line: string, scan: HeaderScan): boolean {
  const first = line.charCodeAt(0);
  if (first === 0x3c /* < */) return scan5424(line, scan);
  return first >= 0x30 && first <= 0x39 ? scanRfc3339(line, scan) : scanTraditional(line, scan);
}

/** Splits a syslog line into header fields and message, or null when no known header fits. */
export function parseSyslogHeader(line: string, ctx: HeaderContext): SyslogRecord | null {
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

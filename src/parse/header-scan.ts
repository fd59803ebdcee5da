/**
 * Reads a traditional (`Nov 21 15:39:32 host tag[pid]: msg`), RSYSLOG_FileFormat
 * (`2026-11-21T15:39:32.040831+00:00 host tag[pid]: msg`) or RFC 5424 header (scan5424)
 * character by character.
 *
 * It accepts exactly what these anchored patterns accept (header.ts documents the formats):
 *
 *   ^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) (.*)$
 *   ^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) (\S+) (.*)$
 *   then on the rest: ^([^\s[\]:]{0,64})(?:\[(\d{1,10})\])?: (.*)$
 *   ^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$   (RFC 5424; see scan5424)
 *
 * Why not the patterns: every candidate line paid for their captures (ten substrings, an
 * array, a Number() each) and most candidates on a busy host are chatter that is turned away
 * by its message. Here a header costs no allocation: the fields are positions and numbers in
 * one reused HeaderScan, and the caller makes strings only of the lines it reports.
 * test/parse/fast-path.test.ts holds it to the patterns (a frozen copy of the pattern-based
 * parser) over generated logs, the corpus and mutations.
 */

/** What one scanned header holds; overwritten by the next scan. */
export class HeaderScan {
  format: 'rfc3164' | 'rfc3339' | 'rfc5424' = 'rfc3164';
  /** rfc5424: the TIMESTAMP is `-` (the time the line is read stands in). */
  nilTimestamp = false;
  year = 0; // not in traditional headers: they carry no year
  month = 0; // 1-12
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;
  /** The fraction's digits as an integer and their count (0: no fraction). */
  fraction = 0;
  fractionDigits = 0;
  /** The offset the timestamp states, minutes east (may be -0, as `-00:00` reads). */
  offsetMinutes = 0;
  hostStart = 0;
  hostEnd = 0;
  tagStart = 0;
  tagEnd = 0;
  pid: number | null = null;
  messageStart = 0;
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), as the patterns above use it. */
export function isRegExpSpace(c: number): boolean {
  if (c > 0x20 && c < 0xa0) return false;
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The decimal digit at `at`, or -1 (also past the end: charCodeAt gives NaN there). */
function digitAt(line: string, at: number): number {
  const d = line.charCodeAt(at) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two decimal digits at `at` as a number, or -1. */
function twoDigitsAt(line: string, at: number): number {
  const high = digitAt(line, at);
  const low = digitAt(line, at + 1);
  return high < 0 || low < 0 ? -1 : high * 10 + low;
}

const MONTH_KEYS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map(
  (name) => (name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2),
);

/** Reads `HH:MM:SS` at `at` into the scan; the index after it, or -1. */
function clockAt(line: string, at: number, scan: HeaderScan): number {
  scan.hour = twoDigitsAt(line, at);
  scan.minute = twoDigitsAt(line, at + 3);
  scan.second = twoDigitsAt(line, at + 6);
  if (scan.hour < 0 || scan.minute < 0 || scan.second < 0) return -1;
  if (line.charCodeAt(at + 2) !== 0x3a || line.charCodeAt(at + 5) !== 0x3a) return -1;
  return at + 8;
}

/** ` HOST TAG[PID]: ` from `at` (the blank before the host): host, tag, pid, message start. */
function hostAndTag(line: string, at: number, scan: HeaderScan): boolean {
  if (line.charCodeAt(at) !== 0x20) return false;
  let i = at + 1;
  scan.hostStart = i;
  while (i < line.length && !isRegExpSpace(line.charCodeAt(i))) i++;
  if (i === scan.hostStart || line.charCodeAt(i) !== 0x20) return false;
  scan.hostEnd = i;
  i++;
  scan.tagStart = i;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5b /* [ */ || c === 0x5d /* ] */ || c === 0x3a /* : */ || isRegExpSpace(c)) break;
  }
  scan.tagEnd = i;
  if (i - scan.tagStart > 64) return false;
  scan.pid = null;
  if (line.charCodeAt(i) === 0x5b) {
    let pid = 0;
    let digits = 0;
    for (i++; digitAt(line, i) >= 0; i++, digits++) pid = pid * 10 + digitAt(line, i);
    if (digits < 1 || digits > 10 || line.charCodeAt(i) !== 0x5d) return false;
    scan.pid = pid;
    i++;
  }
  if (line.charCodeAt(i) !== 0x3a || line.charCodeAt(i + 1) !== 0x20) return false;
  // An empty tag names no program; it is only allowed with a pid (`[6811]: msg`).
  if (scan.tagEnd === scan.tagStart && scan.pid === null) return false;
  scan.messageStart = i + 2;
  return true;
}

/** `Nov 21 15:39:32 ...`: false when the line does not have this shape (the date is checked later). */
export function scanTraditional(line: string, scan: HeaderScan): boolean {
  const c0 = line.charCodeAt(0);
  const c1 = line.charCodeAt(1);
  const c2 = line.charCodeAt(2);
  if (!(c0 >= 0x41 && c0 <= 0x5a && c1 >= 0x61 && c1 <= 0x7a && c2 >= 0x61 && c2 <= 0x7a)) return false;
  const month = MONTH_KEYS.indexOf((c0 << 16) | (c1 << 8) | c2);
  if (month < 0) return false;
  if (line.charCodeAt(3) !== 0x20) return false;
  let i = line.charCodeAt(4) === 0x20 ? 5 : 4;
  let day = digitAt(line, i);
  if (day < 0) return false;
  i++;
  const second = digitAt(line, i);
  if (second >= 0) {
    day = day * 10 + second;
    i++;
  }
  if (line.charCodeAt(i) !== 0x20) return false;
  i = clockAt(line, i + 1, scan);
  if (i < 0) return false;
  scan.format = 'rfc3164';
  scan.month = month + 1;
  scan.day = day;
  return hostAndTag(line, i, scan);
}

/**
 * An RFC 3339 timestamp at `at` into the scan's time fields: the index after it, or -1.
 * Field ranges are left to the instant's computation (header.ts), which rejects them alike.
 */
function timestampAt(line: string, at: number, scan: HeaderScan): number {
  let year = 0;
  for (let i = at; i < at + 4; i++) {
    const d = digitAt(line, i);
    if (d < 0) return -1;
    year = year * 10 + d;
  }
  if (line.charCodeAt(at + 4) !== 0x2d || line.charCodeAt(at + 7) !== 0x2d || line.charCodeAt(at + 10) !== 0x54)
    return -1;
  scan.year = year;
  scan.month = twoDigitsAt(line, at + 5);
  scan.day = twoDigitsAt(line, at + 8);
  if (scan.month < 0 || scan.day < 0) return -1;
  let i = clockAt(line, at + 11, scan);
  if (i < 0) return -1;
  scan.fraction = 0;
  scan.fractionDigits = 0;
  if (line.charCodeAt(i) === 0x2e /* . */) {
    let digits = 0;
    for (i++; digitAt(line, i) >= 0; i++, digits++) {
      if (digits < 9) scan.fraction = scan.fraction * 10 + digitAt(line, i);
    }
    if (digits < 1 || digits > 9) return -1;
    scan.fractionDigits = digits;
  }
  const zone = line.charCodeAt(i);
  if (zone === 0x5a /* Z */) {
    scan.offsetMinutes = 0;
    return i + 1;
  }
  if (zone !== 0x2b /* + */ && zone !== 0x2d /* - */) return -1;
  const hours = twoDigitsAt(line, i + 1);
  const minutes = twoDigitsAt(line, i + 4);
  if (hours < 0 || minutes < 0 || line.charCodeAt(i + 3) !== 0x3a) return -1;
  scan.offsetMinutes = (zone === 0x2d ? -1 : 1) * (hours * 60 + minutes);
  return i + 6;
}

/** `2026-11-21T15:39:32.040831+00:00 ...` */
export function scanRfc3339(line: string, scan: HeaderScan): boolean {
  const end = timestampAt(line, 0, scan);
  if (end < 0) return false;
  scan.format = 'rfc3339';
  return hostAndTag(line, end, scan);
}

/** The end of the run of non-blanks (`\S+`) at `at`, which must be followed by a space; -1 if none. */
function fieldEnd(line: string, at: number): number {
  let i = at;
  while (i < line.length && !isRegExpSpace(line.charCodeAt(i))) i++;
  return i > at && line.charCodeAt(i) === 0x20 ? i : -1;
}

/**
 * Skips RFC 5424 STRUCTURED-DATA at `at` (`-` or `[id k="v"]...`, `\]` and `\"` escaped):
 * the index after it, or -1.
 */
function structuredDataEnd(line: string, at: number): number {
  if (line.charCodeAt(at) === 0x2d /* - */) return at + 1;
  let i = at;
  while (line.charCodeAt(i) === 0x5b /* [ */) {
    let inQuotes = false;
    i++;
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inQuotes = !inQuotes;
      else if (c === 0x5d /* ] */ && !inQuotes) break;
    }
    if (i >= line.length) return -1;
    i++;
  }
  return i === at ? -1 : i;
}

/**
 * `<30>1 2026-11-21T15:39:32.040831+00:00 vm xinetd 11138 - -  msg`, as
 * ^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$ and then: TIMESTAMP `-` (the reader's
 * now) or RFC 3339, APP-NAME `-` an empty tag, PROCID a pid when 1-10 digits, STRUCTURED-DATA
 * skipped, the message after one blank (two when rsyslog kept the one after "tag:") and a BOM.
 */
export function scan5424(line: string, scan: HeaderScan): boolean {
  let i = 1;
  while (digitAt(line, i) >= 0) i++;
  if (i < 2 || i > 4 || line.charCodeAt(i) !== 0x3e /* > */ || line.charCodeAt(i + 1) !== 0x31) return false;
  if (line.charCodeAt(i + 2) !== 0x20) return false;
  const stampStart = i + 3;
  const stampEnd = fieldEnd(line, stampStart);
  if (stampEnd < 0) return false;
  scan.hostStart = stampEnd + 1;
  scan.hostEnd = fieldEnd(line, scan.hostStart);
  if (scan.hostEnd < 0) return false;
  scan.tagStart = scan.hostEnd + 1;
  const appEnd = fieldEnd(line, scan.tagStart);
  if (appEnd < 0) return false;
  scan.tagEnd = appEnd - scan.tagStart === 1 && line.charCodeAt(scan.tagStart) === 0x2d ? scan.tagStart : appEnd;
  const procStart = appEnd + 1;
  const procEnd = fieldEnd(line, procStart);
  if (procEnd < 0) return false;
  const msgIdEnd = fieldEnd(line, procEnd + 1);
  if (msgIdEnd < 0) return false;
  scan.nilTimestamp = stampEnd - stampStart === 1 && line.charCodeAt(stampStart) === 0x2d;
  if (!scan.nilTimestamp && timestampAt(line, stampStart, scan) !== stampEnd) return false;
  scan.pid = null;
  if (procEnd - procStart <= 10) {
    let pid = 0;
    let j = procStart;
    for (; j < procEnd && digitAt(line, j) >= 0; j++) pid = pid * 10 + digitAt(line, j);
    if (j === procEnd) scan.pid = pid;
  }
  let m = structuredDataEnd(line, msgIdEnd + 1);
  if (m < 0) return false;
  if (m < line.length && line.charCodeAt(m) !== 0x20) return false;
  m += line.charCodeAt(m + 1) === 0x20 && line.charCodeAt(m) === 0x20 ? 2 : 1;
  if (line.charCodeAt(m) === 0xfeff) m++;
  scan.format = 'rfc5424';
  scan.messageStart = m;
  return true;
}

/**
 * Reads a traditional (`Nov 21 15:39:32 host tag[pid]: msg`) or RSYSLOG_FileFormat
 * (`2026-11-21T15:39:32.040831+00:00 host tag[pid]: msg`) header character by character.
 *
 * It accepts exactly what these anchored patterns accept (header.ts documents the formats):
 *
 *   ^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) (.*)$
 *   ^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) (\S+) (.*)$
 *   then on the rest: ^([^\s[\]:]{0,64})(?:\[(\d{1,10})\])?: (.*)$
 *
 * Why not the patterns: every candidate line paid for their captures (ten substrings, an
 * array, a Number() each) and most candidates on a busy host are chatter that is turned away
 * by its message. Here a header costs no allocation: the fields are positions and numbers in
 * one reused HeaderScan, and the caller makes strings only of the lines it reports.
 * test/parse/header-scan.test.ts holds it to the patterns over generated logs and mutations.
 */

/** What one scanned header holds; overwritten by the next scan. */
export class HeaderScan {
  format: 'rfc3164' | 'rfc3339' = 'rfc3164';
  year = 0; // rfc3339 only: traditional headers carry no year
  month = 0; // 1-12
  day = 0;
  hour = 0;
  minute = 0;
  second = 0;
  /** rfc3339: the fraction's digits as an integer and their count (0: no fraction). */
  fraction = 0;
  fractionDigits = 0;
  /** rfc3339: the offset the header states, minutes east (may be -0, as `-00:00` reads). */
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

/** `2026-11-21T15:39:32.040831+00:00 ...`, field ranges included. */
export function scanRfc3339(line: string, scan: HeaderScan): boolean {
  let year = 0;
  for (let i = 0; i < 4; i++) {
    const d = digitAt(line, i);
    if (d < 0) return false;
    year = year * 10 + d;
  }
  if (line.charCodeAt(4) !== 0x2d || line.charCodeAt(7) !== 0x2d || line.charCodeAt(10) !== 0x54) return false;
  const month = twoDigitsAt(line, 5);
  const day = twoDigitsAt(line, 8);
  if (month < 0 || day < 0) return false;
  let i = clockAt(line, 11, scan);
  if (i < 0) return false;
  let fraction = 0;
  let fractionDigits = 0;
  if (line.charCodeAt(i) === 0x2e /* . */) {
    for (i++; digitAt(line, i) >= 0; i++, fractionDigits++) {
      if (fractionDigits < 9) fraction = fraction * 10 + digitAt(line, i);
    }
    if (fractionDigits < 1 || fractionDigits > 9) return false;
  }
  const zone = line.charCodeAt(i);
  if (zone === 0x5a /* Z */) {
    scan.offsetMinutes = 0;
    i++;
  } else if (zone === 0x2b /* + */ || zone === 0x2d /* - */) {
    const hours = twoDigitsAt(line, i + 1);
    const minutes = twoDigitsAt(line, i + 4);
    if (hours < 0 || minutes < 0 || line.charCodeAt(i + 3) !== 0x3a) return false;
    scan.offsetMinutes = (zone === 0x2d ? -1 : 1) * (hours * 60 + minutes);
    i += 6;
  } else {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || scan.hour > 23 || scan.minute > 59 || scan.second > 60)
    return false;
  scan.format = 'rfc3339';
  scan.year = year;
  scan.month = month;
  scan.day = day;
  scan.fraction = fraction;
  scan.fractionDigits = fractionDigits;
  return hostAndTag(line, i, scan);
}

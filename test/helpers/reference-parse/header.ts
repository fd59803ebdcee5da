// FROZEN COPY of src/parse/header.ts as it was before issue 15's hand-written scanners (commit
// fe1fb32): the oracle test/parse/fast-path.test.ts holds the current parser to, line by line.
// Do not edit to follow src/; if the parser's behaviour is meant to change, change the test.
import type { SyslogRecord } from '../../../src/types.js';
import { monthIndex, resolveYearless, type TimeZoneResolver } from '../../../src/parse/time.js';

/**
 * The three header formats rsyslog writes (see the notes): traditional RFC 3164
 * (`Nov 21 15:39:32 vm xinetd[11138]: msg`, day space-padded or not), RSYSLOG_FileFormat
 * (`2026-11-21T15:39:32.040831+00:00 vm xinetd[11138]: msg`, Debian's default) and RFC 5424
 * (`<30>1 2026-11-21T15:39:32.040831+00:00 vm xinetd 11138 - -  msg`).
 *
 * Every pattern is anchored and built from runs that cannot overlap (`\S+` then a blank),
 * so matching is linear in the line length whatever an attacker puts in it.
 */

export interface HeaderContext {
  readonly nowMs: number;
  readonly zone: TimeZoneResolver;
}

const TRADITIONAL = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) (.*)$/s;
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) (\S+) (.*)$/s;
const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (.*)$/s;
/**
 * `tag[pid]: msg` or `tag: msg`; a tag holds no blank, bracket or colon. The tag may be empty
 * when a pid follows (`[6811]: msg`): syslog(3) writes that for a program whose argv[0] is empty
 * (tcpd run by xinetd with NAMEINARGS after server_args), and RFC 5424 writes it as APP-NAME `-`.
 */
const TAG = /^([^\s[\]:]{0,64})(?:\[(\d{1,10})\])?: (.*)$/s;

function parseTag(rest: string): { tag: string; pid: number | null; message: string } | null {
  const m = TAG.exec(rest);
  if (!m) return null;
  const tag = m[1] ?? '';
  if (tag === '' && m[2] === undefined) return null;
  return { tag, pid: m[2] === undefined ? null : Number(m[2]), message: m[3] ?? '' };
}

/** Parses an RFC 3339 timestamp into epoch ms and its offset; null if malformed. */
export function parseRfc3339(text: string): { epochMs: number; utcOffsetMinutes: number } | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return null;
  return fromRfc3339Parts(m, 1);
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

function fromRfc3339Parts(m: RegExpExecArray, at: number): { epochMs: number; utcOffsetMinutes: number } | null {
  // One field at a time: an array of them (map, then destructuring) was a tenth of the time
  // `parse` spent on a log of RFC 3339 headers.
  const year = Number(m[at]);
  const month = Number(m[at + 1]);
  const day = Number(m[at + 2]);
  const hour = Number(m[at + 3]);
  const minute = Number(m[at + 4]);
  const second = Number(m[at + 5]);
  const fraction = m[at + 6];
  const zone = m[at + 7] ?? 'Z';
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const offset =
    zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ms = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
  const epochMs =
    utcHourStart(year, month, day, hour) + minute * 60_000 + Math.min(second, 59) * 1000 + ms - offset * 60_000;
  return Number.isFinite(epochMs) ? { epochMs, utcOffsetMinutes: offset } : null;
}

function traditional(line: string, ctx: HeaderContext): SyslogRecord | null {
  const m = TRADITIONAL.exec(line);
  if (!m) return null;
  const month = monthIndex(m[1] ?? '');
  if (month === undefined) return null;
  const when = resolveYearless(
    { month, day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]) },
    ctx.nowMs,
    ctx.zone,
  );
  const tagged = parseTag(m[7] ?? '');
  if (!when || !tagged) return null;
  return {
    format: 'rfc3164',
    time: new Date(when.epochMs),
    utcOffsetMinutes: when.utcOffsetMinutes,
    host: m[6] ?? '',
    ...tagged,
  };
}

function fileFormat(line: string): SyslogRecord | null {
  const m = RFC3339.exec(line);
  if (!m) return null;
  const when = fromRfc3339Parts(m, 1);
  const tagged = parseTag(m[10] ?? '');
  if (!when || !tagged) return null;
  return {
    format: 'rfc3339',
    time: new Date(when.epochMs),
    utcOffsetMinutes: when.utcOffsetMinutes,
    host: m[9] ?? '',
    ...tagged,
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
  if (first >= 0x30 && first <= 0x39) return fileFormat(line);
  return traditional(line, ctx);
}

import { basename } from 'node:path';
import { mightBeRefusal } from '../parse/prefilter.js';
import type { JournalRecord, SkipReason } from '../types.js';
import { classifyMessage } from './line-splitter.js';

/** What one `journalctl -o json` entry becomes. */
export interface MappedEntry {
  readonly cursor: string;
  /** null when the entry is skipped (`defect` says why). */
  readonly record: JournalRecord | null;
  readonly defect: SkipReason | null;
}

export interface MapOptions {
  readonly maxLineBytes: number;
  readonly rejectForged: boolean;
  readonly now: number;
}

/**
 * A field as journalctl prints it: a string; an array of byte values when the value is not
 * printable UTF-8; an array of values when the field occurs more than once (the first is
 * taken); null when it was too large to print. Returns the bytes, or null.
 */
function fieldBytes(value: unknown): Uint8Array | null {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Array.isArray(value)) {
    if (
      value.length > 0 &&
      value.every((b): b is number => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)
    ) {
      return Uint8Array.from(value);
    }
    return value.length > 0 ? fieldBytes(value[0]) : null;
  }
  return null;
}

function fieldText(value: unknown): string | null {
  const bytes = fieldBytes(value);
  return bytes === null ? null : Buffer.from(bytes).toString('utf8');
}

function fieldInt(value: unknown): number | null {
  const text = fieldText(value);
  if (text === null || !/^\d{1,10}$/.test(text.trim())) return null;
  return Number(text.trim());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `__REALTIME_TIMESTAMP` (microseconds since the epoch), else `SYSLOG_TIMESTAMP` ("Nov 21 16:15:31 ", no year), else now. */
function entryTime(fields: Record<string, unknown>, now: number): Date {
  const realtime = fieldText(fields.__REALTIME_TIMESTAMP);
  if (realtime !== null && /^\d{1,20}$/.test(realtime)) return new Date(Number(BigInt(realtime) / 1000n));
  const syslog = fieldText(fields.SYSLOG_TIMESTAMP);
  const m = syslog === null ? null : /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})/.exec(syslog);
  const month = m ? MONTHS.indexOf(m[1] ?? '') : -1;
  if (m && month >= 0) {
    const year = new Date(now).getFullYear();
    const at = (y: number) => new Date(y, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
    // A December entry read in January belongs to last year.
    const guess = at(year);
    return guess.getTime() - now > 86_400_000 ? at(year - 1) : guess;
  }
  return new Date(now);
}

/**
 * Processes that log refusals under another program's name: tcpd logs with the name of the
 * daemon it wraps (`in.telnetd`), while its own process is `tcpd`.
 */
const WRAPPERS = new Set(['tcpd']);

/** The kernel keeps 15 characters of a process name (TASK_COMM_LEN 16 with the NUL). */
const COMM_LENGTH = 15;

/**
 * Whether a trusted process name vouches for the claimed identifier:
 * - the same name (`sshd`/`sshd`); the identifier may be a path (`/usr/sbin/in.telnetd`);
 * - `_COMM` cut at 15 characters and the identifier starting with it;
 * - the name with a version digit suffix (`stunnel4` logging as `stunnel`);
 * - a helper named `IDENT-something` (`sshd-session`, OpenSSH 9.8's per-connection process);
 * - a known wrapper (`tcpd`).
 */
function vouches(name: string, identifier: string, isComm: boolean): boolean {
  const claimed = basename(identifier);
  if (name === identifier || name === claimed) return true;
  if (isComm && name.length === COMM_LENGTH && claimed.startsWith(name)) return true;
  if (/\d$/.test(name) && name.replace(/[\d.]+$/, '') === claimed) return true;
  if (name.startsWith(`${claimed}-`)) return true;
  return WRAPPERS.has(name);
}

/**
 * The forgery rule. journald sets `_COMM` (the kernel's process name) and `_EXE` (the program
 * file) itself; the sender sets only SYSLOG_IDENTIFIER. `logger -t sshd` therefore arrives with
 * `_COMM=logger`: forged. Every trusted name present must vouch for the identifier. An entry
 * with neither (the process exited before journald looked it up, or a journal imported without
 * them) cannot be judged and is let through: dropping it would also drop real refusals from
 * short-lived tcpd processes. Only entries whose message could be a refusal are judged, so
 * the forged count is about forged refusals, not about every service logging under another name.
 * A local user who names a program `sshd` (or sets its comm) passes this test: it stops casual
 * forgeries, it is no authentication.
 */
export function isForged(identifier: string, comm: string | null, exe: string | null): boolean {
  if (identifier === '') return false;
  if (comm !== null && !vouches(comm, identifier, true)) return true;
  if (exe !== null && !vouches(basename(exe.replace(/ \(deleted\)$/, '')), identifier, false)) return true;
  return false;
}

/** Maps one parsed JSON entry; null when it has no cursor (nothing to resume from: not an entry). */
export function mapEntry(fields: Record<string, unknown>, options: MapOptions): MappedEntry | null {
  const cursor = fieldText(fields.__CURSOR);
  if (cursor === null || cursor === '') return null;
  const bytes = fieldBytes(fields.MESSAGE);
  // null: journalctl left out a value over its size limit (we run it with --all, so rare).
  if (bytes === null) return { cursor, record: null, defect: fields.MESSAGE === null ? 'too-long' : 'binary' };
  const message = classifyMessage(bytes, options.maxLineBytes);
  if ('defect' in message) return { cursor, record: null, defect: message.defect };
  const comm = fieldText(fields._COMM);
  const exe = fieldText(fields._EXE);
  const identifier = fieldText(fields.SYSLOG_IDENTIFIER) ?? comm ?? '';
  if (options.rejectForged && mightBeRefusal(message.text) && isForged(identifier, comm, exe)) {
    return { cursor, record: null, defect: 'forged' };
  }
  const trustedPid = fieldInt(fields._PID);
  return {
    cursor,
    defect: null,
    record: {
      identifier,
      pid: fieldInt(fields.SYSLOG_PID) ?? trustedPid,
      message: message.text,
      hostname: fieldText(fields._HOSTNAME) ?? '',
      time: entryTime(fields, options.now),
      trustedComm: comm,
      trustedExe: exe,
      trustedPid,
    },
  };
}

/** For the warning about a forged entry: who claimed what. */
export function describeSender(fields: Record<string, unknown>): {
  identifier: string | null;
  comm: string | null;
  exe: string | null;
  pid: string | null;
  uid: string | null;
} {
  return {
    identifier: fieldText(fields.SYSLOG_IDENTIFIER),
    comm: fieldText(fields._COMM),
    exe: fieldText(fields._EXE),
    pid: fieldText(fields._PID),
    uid: fieldText(fields._UID),
  };
}

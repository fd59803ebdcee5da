/**
 * What may reach an NSCA packet. Everything substituted into a result comes from a log line,
 * and log lines are written by whoever can reach syslog or a reverse DNS zone, so each value
 * is cleaned before it lands in Nagios' command file.
 */

import type { FieldLimits } from '../sink/transport.js';

/** A substituted value longer than this is cut: one hostile name must not fill the output. */
export const MAX_FIELD_CHARS = 200;

/** Printable ASCII without `|` (starts perfdata) and `\` (see sanitizeField). */
const CLEAN = /^[\x20-\x5b\x5d-\x7b\x7d\x7e]*$/;

/**
 * Makes a log-derived value safe inside plugin output:
 * - control characters (newline, ESC, DEL, C1) and anything outside ASCII become `?`: a newline
 *   would end the command line in Nagios' command file and ESC sequences reach terminals;
 * - `|` becomes `/`: it would start perfdata and swallow the rest of the text;
 * - `\` becomes `/`: the NSCA server doubles it and Nagios turns `\n` back into a line break in
 *   long output, so a logged `\n` would forge a second output line;
 * - `;` stays: in plugin output it is harmless (only host and service are split on it).
 */
export function sanitizeField(value: string, maxChars = MAX_FIELD_CHARS): string {
  if (value.length <= maxChars && CLEAN.test(value)) return value;
  let out = '';
  let chars = 0;
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x7c || c === 0x5c) out += '/';
    else if (c === 0x09) out += ' ';
    else if (c < 0x20 || c > 0x7e) out += '?';
    else out += ch;
    if (++chars > maxChars) break;
  }
  return chars > maxChars ? `${out.slice(0, maxChars - 3)}...` : out;
}

/**
 * Characters that may stand in a Nagios host name sent to the receiver: printable ASCII without blanks,
 * `;` (the command file's field separator: `h;x` would become host `h`, service `x`) and Nagios'
 * default illegal_object_name_chars.
 */
const HOST_NAME = /^[^\s;`~!$%^&*|'"<>?,()=\\\x00-\x1f\x7f-\uffff]+$/;

/**
 * The value as a Nagios host name, or null when it cannot be one. Unlike output fields, a host
 * name is never repaired: replacing a character could turn it into another, real host, and the
 * result would be filed under the wrong machine.
 */
export function nagiosHostName(value: string, limits: Pick<FieldLimits, 'maxHostBytes'>): string | null {
  if (value.length === 0 || value.length > limits.maxHostBytes || !HOST_NAME.test(value)) return null;
  return value;
}

/** Why a configured service description cannot travel over the transport, or null when it can. */
export function serviceProblem(value: string, limits: Pick<FieldLimits, 'maxServiceBytes'>): string | null {
  if (/[\x00-\x1f\x7f]/.test(value)) return 'must not contain control characters';
  if (value.includes(';')) return 'must not contain ";": Nagios would read the rest as another field';
  if (Buffer.byteLength(value, 'utf8') > limits.maxServiceBytes)
    return `must be at most ${limits.maxServiceBytes} bytes (the receiver's limit)`;
  return null;
}

import type { AddressFamily } from '../types.js';

/** A peer address as wrapwatch reports and compares it. */
export interface ParsedAddress {
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed), `%zone` kept. */
  readonly address: string;
  readonly family: AddressFamily;
  /** 4 or 16 bytes, network order; an IPv4-mapped address gives the 4 IPv4 bytes. */
  readonly bytes: Uint8Array;
  readonly zone: string | null;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/**
 * Strict dotted quad: four decimal octets, no leading zeros (`127.000.0.1` is not an address
 * libwrap would print, and inet_aton would read it as octal), each at most 255.
 */
function parseIPv4Bytes(text: string, out: Uint8Array, at: number): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[at + part] = value;
      part++;
      digits = 0;
      value = 0;
    } else if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + (c - DIGIT_0);
      digits++;
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Reads colon-separated hex groups (1-4 digits each) of text[from, to) into out[at...]: how
 * many, or -1 when a piece is empty, too long, not hex, or more than `max` of them. Empty text
 * holds no group.
 */
function readGroups(text: string, from: number, to: number, out: Uint16Array, at: number, max: number): number {
  if (from === to) return 0;
  let count = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    if (i === to || text.charCodeAt(i) === 0x3a) {
      if (digits === 0 || count >= max) return -1;
      out[at + count] = value;
      count++;
      value = 0;
      digits = 0;
      continue;
    }
    const h = hexValue(text.charCodeAt(i));
    if (h < 0 || digits === 4) return -1;
    value = (value << 4) | h;
    digits++;
  }
  return count;
}

/** The groups of the last IPv6 address scanned: a scratch buffer, so scanning allocates nothing. */
const scratchGroups = new Uint16Array(8);
const tailGroups = new Uint16Array(8);
const scratchQuad = new Uint8Array(4);

/**
 * Scans an IPv6 address without zone into scratchGroups; false if it is none. An embedded
 * dotted quad (`::ffff:1.2.3.4`) takes the last two groups.
 */
function scanIPv6(text: string): boolean {
  let body = text;
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return false;
  const dottedQuad = body.indexOf('.', lastColon) >= 0;
  if (dottedQuad) {
    if (!parseIPv4Bytes(body.slice(lastColon + 1), scratchQuad, 0)) return false;
    body = body.slice(0, lastColon + 1) + '0:0';
  }
  const gap = body.indexOf('::');
  if (gap >= 0) {
    if (body.indexOf('::', gap + 1) >= 0) return false;
    const head = readGroups(body, 0, gap, scratchGroups, 0, 8);
    const tail = readGroups(body, gap + 2, body.length, tailGroups, 0, 8);
    // "::" stands for at least one zero group (RFC 4291 allows it for exactly one).
    if (head < 0 || tail < 0 || head + tail > 7) return false;
    scratchGroups.fill(0, head);
    for (let i = 0; i < tail; i++) scratchGroups[8 - tail + i] = tailGroups[i] ?? 0;
  } else if (readGroups(body, 0, body.length, scratchGroups, 0, 8) !== 8) {
    return false;
  }
  if (dottedQuad) {
    scratchGroups[6] = ((scratchQuad[0] ?? 0) << 8) | (scratchQuad[1] ?? 0);
    scratchGroups[7] = ((scratchQuad[2] ?? 0) << 8) | (scratchQuad[3] ?? 0);
  }
  return true;
}

function scratchIsV4Mapped(): boolean {
  for (let i = 0; i < 5; i++) if (scratchGroups[i] !== 0) return false;
  return scratchGroups[5] === 0xffff;
}

/** The dotted quad in the last two scratch groups. */
function scratchV4Text(): string {
  const high = scratchGroups[6] ?? 0;
  const low = scratchGroups[7] ?? 0;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** RFC 5952 text of groups (see formatIPv6). */
function formatGroups(groups: ArrayLike<number>): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text !== '' && !text.endsWith(':')) text += ':';
    text += (groups[i] ?? 0).toString(16);
  }
  return text;
}

/** RFC 5952: lowercase hex, no leading zeros, the longest run (>= 2) of zero groups as "::", the first on a tie. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatGroups(groups);
}

/** A zone id as the kernel names interfaces: no blanks, no brackets, no control characters. */
const ZONE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Splits off a `%zone` suffix: the body's end, or -1 when the zone is not one. */
function zoneStart(text: string): number {
  const percent = text.indexOf('%');
  if (percent < 0) return text.length;
  return ZONE.test(text.slice(percent + 1)) ? percent : -1;
}

/**
 * Parses a numeric peer address as daemons log it. Returns null for anything that is not a
 * valid IPv4 or IPv6 address, so a line carrying one is no refusal. `::ffff:a.b.c.d` becomes
 * the IPv4 address it stands for.
 */
export function parseAddress(text: string): ParsedAddress | null {
  if (text.length === 0 || text.length > 64) return null;
  if (text.indexOf(':') < 0) {
    const bytes = new Uint8Array(4);
    if (!parseIPv4Bytes(text, bytes, 0)) return null;
    return { address: text, family: 4, bytes, zone: null };
  }
  const end = zoneStart(text);
  if (end < 0 || !scanIPv6(end === text.length ? text : text.slice(0, end))) return null;
  const zone = end === text.length ? null : text.slice(end + 1);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[i * 2] = (scratchGroups[i] ?? 0) >> 8;
    bytes[i * 2 + 1] = (scratchGroups[i] ?? 0) & 0xff;
  }
  if (zone === null && scratchIsV4Mapped())
    return { address: scratchV4Text(), family: 4, bytes: bytes.slice(12), zone };
  const canonical = formatGroups(scratchGroups);
  return { address: zone === null ? canonical : `${canonical}%${zone}`, family: 6, bytes, zone };
}

/**
 * The canonical text of parseAddress(text), or null: the same rules without the bytes, for the
 * parser's hot path (an address per reported line, and typed arrays are dear to allocate).
 */
export function canonicalAddress(text: string): string | null {
  if (text.length === 0 || text.length > 64) return null;
  if (text.indexOf(':') < 0) return parseIPv4Bytes(text, scratchQuad, 0) ? text : null;
  let canonical = recentIPv6.get(text);
  if (canonical === undefined) {
    canonical = canonicalIPv6(text);
    if (recentIPv6.size >= 4096) recentIPv6.clear();
    recentIPv6.set(text, canonical);
  }
  return canonical;
}

/**
 * canonicalAddress of recent IPv6 texts (a pure function, so remembering is exact): refusals
 * come again and again from the same sources, and formatting an IPv6 address cost more than
 * looking it up.
 */
const recentIPv6 = new Map<string, string | null>();

function canonicalIPv6(text: string): string | null {
  const end = zoneStart(text);
  if (end < 0 || !scanIPv6(end === text.length ? text : text.slice(0, end))) return null;
  if (end < text.length) return `${formatGroups(scratchGroups)}${text.slice(end)}`;
  return scratchIsV4Mapped() ? scratchV4Text() : formatGroups(scratchGroups);
}

/** True when the first `prefix` bits of two same-length addresses agree (CIDR matching, /64 grouping). */
export function samePrefix(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  if (a.length !== b.length || prefix > a.length * 8) return false;
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] ?? 0) & mask) === ((b[whole] ?? 0) & mask);
}

/** The address with every bit after `prefix` cleared, as canonical text (for grouping IPv6 by /64). */
export function prefixKey(parsed: ParsedAddress, prefix: number): string {
  if (parsed.family === 4 || prefix >= 128) return parsed.address;
  const masked = new Uint8Array(parsed.bytes);
  const whole = prefix >> 3;
  const rest = prefix & 7;
  if (rest !== 0) masked[whole] = (masked[whole] ?? 0) & ((0xff << (8 - rest)) & 0xff);
  masked.fill(0, rest === 0 ? whole : whole + 1);
  return `${formatIPv6(masked)}/${prefix}`;
}

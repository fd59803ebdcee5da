// FROZEN COPY of src/parse/address.ts as it was before issue 15's hand-written scanners (commit
// fe1fb32): the oracle test/parse/fast-path.test.ts holds the current parser to, line by line.
// Do not edit to follow src/; if the parser's behaviour is meant to change, change the test.
import type { AddressFamily } from '../../../src/types.js';

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

/** Parses up to `max` colon-separated hex groups (1-4 digits each) into `groups`. */
function parseGroups(text: string, groups: number[], max: number): boolean {
  if (text === '') return true;
  for (const piece of text.split(':')) {
    if (piece.length === 0 || piece.length > 4 || groups.length >= max) return false;
    let value = 0;
    for (let i = 0; i < piece.length; i++) {
      const h = hexValue(piece.charCodeAt(i));
      if (h < 0) return false;
      value = (value << 4) | h;
    }
    groups.push(value);
  }
  return true;
}

function parseIPv6Bytes(text: string): Uint8Array | null {
  const bytes = new Uint8Array(16);
  let body = text;
  let tailGroups: number[] = [];
  // An embedded dotted quad takes the last two groups (`::ffff:1.2.3.4`).
  const lastColon = body.lastIndexOf(':');
  if (lastColon < 0) return null;
  let v4: Uint8Array | null = null;
  if (body.indexOf('.', lastColon) >= 0) {
    v4 = new Uint8Array(4);
    if (!parseIPv4Bytes(body.slice(lastColon + 1), v4, 0)) return null;
    body = body.slice(0, lastColon + 1) + '0:0';
  }
  const gap = body.indexOf('::');
  const head: number[] = [];
  if (gap >= 0) {
    if (body.indexOf('::', gap + 1) >= 0) return null;
    if (!parseGroups(body.slice(0, gap), head, 8) || !parseGroups(body.slice(gap + 2), tailGroups, 8)) return null;
    // "::" stands for at least one zero group (RFC 4291 allows it for exactly one).
    if (head.length + tailGroups.length > 7) return null;
  } else {
    if (!parseGroups(body, head, 8) || head.length !== 8) return null;
    tailGroups = [];
  }
  const groups = [...head, ...new Array<number>(8 - head.length - tailGroups.length).fill(0), ...tailGroups];
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  }
  if (v4) bytes.set(v4, 12);
  return bytes;
}

/** RFC 5952: lowercase hex, no leading zeros, the longest run (>= 2) of zero groups as "::", the first on a tie. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
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
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** A zone id as the kernel names interfaces: no blanks, no brackets, no control characters. */
const ZONE = /^[A-Za-z0-9_.-]{1,64}$/;

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
  let zone: string | null = null;
  let body = text;
  const percent = text.indexOf('%');
  if (percent >= 0) {
    zone = text.slice(percent + 1);
    if (!ZONE.test(zone)) return null;
    body = text.slice(0, percent);
  }
  const bytes = parseIPv6Bytes(body);
  if (!bytes) return null;
  if (isV4Mapped(bytes) && zone === null) {
    const v4 = bytes.slice(12);
    return { address: `${v4[0]}.${v4[1]}.${v4[2]}.${v4[3]}`, family: 4, bytes: v4, zone: null };
  }
  const canonical = formatIPv6(bytes);
  return { address: zone === null ? canonical : `${canonical}%${zone}`, family: 6, bytes, zone };
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

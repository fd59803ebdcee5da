import type { RefusalKind, RefusalPeer } from '../types.js';
import { canonicalAddress } from './address.js';

/**
 * The refusal messages, one anchored pattern each (see shared notes, libwrap-formats.md).
 * A message must match from its first to its last character, trailing blanks aside: text
 * after a refusal means the "refusal" is somebody's input quoted inside another message.
 * Only the address each daemon derived from the socket is used; client names are kept
 * as text for display and name rules, never trusted.
 */

export interface MessageMatch {
  readonly kind: RefusalKind;
  /** The service the message names; null when the format names none (the tag stands in). */
  readonly service: string | null;
  readonly peer: RefusalPeer;
  /** The logged client text (host name, user@host), untrusted. */
  readonly client: string | null;
}

/** A message in a refusal format whose address is no valid IP: malformed or forged, counted. */
export interface InvalidAddress {
  readonly kind: 'invalid-address';
}

const INVALID_ADDRESS: InvalidAddress = Object.freeze({ kind: 'invalid-address' });

export type MessageResult = MessageMatch | InvalidAddress | null;

export function isInvalidAddress(result: MessageResult): result is InvalidAddress {
  return result !== null && result.kind === 'invalid-address';
}

/** Daemons whose refusals come without `[pid]` (stunnel logs `stunnel: LOG4[N]: ...`). */
export function pidOptional(kind: RefusalKind): boolean {
  return kind === 'stunnel';
}

// CLIENT is a host name or user@host; libwrap cuts ident text at the first blank and the
// resolver accepts no blanks in names, so CLIENT has none. It may hold parentheses and `@`
// (`x)(6.6.6.6@::1 (::1)`): only the final "(ADDR)" is trusted.
const LIBWRAP = /^refused connect from (\S+) \(([^()\s]+)\)[ \t]*$/;
const XINETD_LIBWRAP =
  /^(?:\d{1,10} \{access_control\} )?libwrap refused connection to ([^\s()]+) \(libwrap=[^\s()]+\) from (\S+)[ \t]*$/;
const XINETD_FAIL = /^FAIL: ([^\s()]+) libwrap from=(\S+)[ \t]*$/;
const RPCBIND = /^connect from (\S+) to ([^\s:]+): request from unauthorized host[ \t]*$/;
// stunnel prints IPv6 unbracketed: the port is what follows the last colon.
const STUNNEL =
  /^LOG[0-7]\[[^\]\s]{1,32}\]: Service \[([^\]\s]{1,128})\] REFUSED by libwrap from (\S+):(\d{1,5})[ \t]*$/;
const SOCAT = /^[A-Z] refusing connection from AF=(2|10) (\S+) due to tcpwrapper option[ \t]*$/;
// openbsd-inetd -l prints eval_client(): the address, or only the client text (a name, or
// user@host with ident) when a rule made libwrap look the name up. SVC may be a port number.
const INETD = /^refused connection from (\S+), service ([^\s,()]+) \((tcp6?|udp6?)\)[ \t]*$/;
// tftpd-hpa 5.2 prints inet_ntop(myaddr): its OWN address (see RefusalPeer), "???" when that fails.
const TFTPD = /^connection refused from (\S+)[ \t]*$/;

/** The canonical address text and its family (canonical IPv6 text always holds a colon). */
function peerAddress(text: string): { address: string; family: 4 | 6 } | null {
  const address = canonicalAddress(text);
  return address === null ? null : { address, family: address.includes(':') ? 6 : 4 };
}

function withAddress(
  kind: RefusalKind,
  service: string | null,
  addressText: string,
  client: string | null,
): MessageResult {
  const address = peerAddress(addressText);
  if (!address) return INVALID_ADDRESS;
  return { kind, service, peer: { kind: 'client-address', address: address.address, family: address.family }, client };
}

/** The logged text is an address when it is one; otherwise the address is not in the line. */
function inetd(text: string, service: string | null): MessageResult {
  const address = peerAddress(text);
  if (address)
    return {
      kind: 'inetd',
      service,
      peer: { kind: 'client-address', address: address.address, family: address.family },
      client: null,
    };
  return { kind: 'inetd', service, peer: { kind: 'name-only' }, client: text };
}

function tftpd(text: string): MessageResult {
  const address = peerAddress(text);
  if (!address) return INVALID_ADDRESS;
  return {
    kind: 'tftpd',
    service: null,
    peer: { kind: 'server-address', serverAddress: address.address, family: address.family },
    client: null,
  };
}

/** socat prints `A.B.C.D:PORT` for AF=2 and `[xxxx:...:xxxx]:PORT` (fully expanded) for AF=10. */
function socatAddress(family: string, text: string): string | null {
  const m = family === '2' ? /^([\d.]+):\d{1,5}$/.exec(text) : /^\[([0-9A-Fa-f:]+)\]:\d{1,5}$/.exec(text);
  return m ? (m[1] ?? null) : null;
}

/** Matches a message (the part after `tag[pid]: `) against every refusal format. */
export function matchRefusalMessage(message: string): MessageResult {
  let m: RegExpExecArray | null;
  switch (message.charCodeAt(0)) {
    case 0x72: // r
      if ((m = LIBWRAP.exec(message))) return withAddress('libwrap', null, m[2] ?? '', m[1] ?? null);
      if ((m = INETD.exec(message))) return inetd(m[1] ?? '', m[2] ?? null);
      return null;
    case 0x6c: // l
      if ((m = XINETD_LIBWRAP.exec(message))) return withAddress('xinetd-libwrap', m[1] ?? null, m[2] ?? '', null);
      return null;
    case 0x46: // F
      if ((m = XINETD_FAIL.exec(message))) return withAddress('xinetd-fail', m[1] ?? null, m[2] ?? '', null);
      return null;
    case 0x63: // c
      if ((m = RPCBIND.exec(message))) return withAddress('rpcbind', 'rpcbind', m[1] ?? '', null);
      if ((m = TFTPD.exec(message))) return tftpd(m[1] ?? '');
      return null;
    case 0x4c: // L
      if ((m = STUNNEL.exec(message))) return withAddress('stunnel', m[1] ?? null, m[2] ?? '', null);
      return null;
    default: {
      if (message.charCodeAt(0) >= 0x30 && message.charCodeAt(0) <= 0x39) {
        if ((m = XINETD_LIBWRAP.exec(message))) return withAddress('xinetd-libwrap', m[1] ?? null, m[2] ?? '', null);
        return null;
      }
      if ((m = SOCAT.exec(message))) {
        const family = m[1] ?? '';
        const text = socatAddress(family, m[2] ?? '');
        if (text === null) return INVALID_ADDRESS;
        const match = withAddress('socat', null, text, null);
        // AF=2 must be a dotted quad; AF=10 is IPv6 syntax, and an IPv4 client of an IPv6
        // socket (`[0000:...:ffff:7f00:0001]`) is that IPv4 address.
        if (match === null || isInvalidAddress(match)) return match;
        return family === '10' || (match.peer.kind === 'client-address' && match.peer.family === 4)
          ? match
          : INVALID_ADDRESS;
      }
      return null;
    }
  }
}

/** rsyslog's `$RepeatedMsgReduction`: `message repeated N times: [ msg]` stands for N refusals. */
const REPEATED = /^message repeated (\d{1,9}) times: \[ ?(.*)\][ \t]*$/s;

export function unwrapRepeated(message: string): { message: string; count: number } | null {
  if (message.charCodeAt(0) !== 0x6d /* m */) return null; // the pattern's first character, checked cheaply
  const m = REPEATED.exec(message);
  if (!m) return null;
  const count = Number(m[1]);
  return count > 0 ? { message: m[2] ?? '', count } : null;
}

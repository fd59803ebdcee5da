import { formatIPv6, parseAddress, samePrefix, type ParsedAddress } from '../parse/address.js';

/**
 * The hosts_access(5) pattern language of hosts.allow / hosts.deny, for `[[rule]]` daemons and
 * clients, so an operator can copy patterns from the files libwrap itself reads.
 *
 * Supported, as in tcp_wrappers 7.6 with Debian's patches:
 * - lists separated by commas and/or blanks; `list1 EXCEPT list2 EXCEPT list3` nests to the
 *   right: list1 EXCEPT (list2 EXCEPT list3). Keywords are case-insensitive, as in libwrap.
 * - daemons: `ALL`, a name (case-insensitive, `*`/`?` wildcards), `name@host` with a host
 *   pattern matched against the syslog host that refused (the server endpoint of a central log).
 *   A name matches the syslog tag (`sshd`, `in.telnetd`, `xinetd`) or the service (`daytime-stream`
 *   for xinetd, the stunnel service), so both the process and the service can be named.
 * - clients: `ALL`, `KNOWN`, `UNKNOWN`, `LOCAL`, an address, `n.n.n.` (prefix), `n.n.n.n/m.m.m.m`,
 *   `n.n.n.n/len`, `[v6]`, `[v6]/len` (brackets optional), `.domain`, a host name, wildcards.
 *   Address patterns match the trusted numeric address; name patterns match only the logged
 *   client NAME (see client-name.ts), which is attacker-controlled.
 *   KNOWN/UNKNOWN say whether the log line names the client by host name. LOCAL: a known name
 *   without a dot.
 * Rejected with a reason (never silently ignored): PARANOID (needs libwrap's own double-reverse
 * lookup, which the log does not record), `user@host` (the user is the client's own ident
 * claim), `@netgroup` (NIS), `/file` lists, zone ids, net/masks with host bits set.
 */

/** What a host pattern is matched against. */
export interface HostSubject {
  /** The host name as logged, LOWERCASED, or null when only the address is known. */
  readonly name: string | null;
  readonly address: ParsedAddress | null;
}

export interface DaemonSubject {
  /** The syslog tag, lowercased. */
  readonly daemon: string;
  /** The service (xinetd id, stunnel service), lowercased, or null. */
  readonly service: string | null;
  /** The host that refused (syslog HOSTNAME), for `daemon@host`. */
  readonly server: HostSubject;
}

export type Matcher<S> = (subject: S) => boolean;

/** A pattern the language does not have; the message names the offending text. */
export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

const invalid = (token: string, reason: string) => new PatternError(`"${token}" is not a valid pattern: ${reason}`);

const ALWAYS = (): boolean => true;
const SEPARATORS = /[\s,]+/;
const HOST_CHARS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const GLOB_CHARS = /^[A-Za-z0-9_.:*?-]+$/;
const DAEMON_CHARS = /^[A-Za-z0-9_.+:*?-]+$/;

function compileList<S>(text: string, compileToken: (token: string) => Matcher<S>): Matcher<S> {
  const tokens = text.split(SEPARATORS).filter((t) => t !== '');
  if (tokens.length === 0) throw new PatternError(`"${text}" is not a valid pattern list: it is empty`);
  return compileTokens(text, tokens, compileToken);
}

function compileTokens<S>(text: string, tokens: string[], compileToken: (token: string) => Matcher<S>): Matcher<S> {
  const at = tokens.findIndex((t) => t.toUpperCase() === 'EXCEPT');
  const head = (at < 0 ? tokens : tokens.slice(0, at)).map(compileToken);
  if (head.length === 0)
    throw new PatternError(`"${text}" is not a valid pattern list: EXCEPT needs a pattern before it`);
  const any: Matcher<S> = head.length === 1 ? (head[0] ?? ALWAYS) : (s) => head.some((m) => m(s));
  if (at < 0) return any;
  const rest = tokens.slice(at + 1);
  if (rest.length === 0)
    throw new PatternError(`"${text}" is not a valid pattern list: EXCEPT needs a pattern after it`);
  // hosts_access: once list1 matches, the rest after EXCEPT ("list2 EXCEPT list3") is one list.
  const except = compileTokens(text, rest, compileToken);
  return (s) => any(s) && !except(s);
}

/** A daemon list such as `ALL EXCEPT sshd, in.telnetd`. Throws PatternError. */
export function compileDaemonList(text: string): Matcher<DaemonSubject> {
  return compileList(text, compileDaemonPattern);
}

/** A client list such as `10.0.0.0/8, [2001:db8::]/32 EXCEPT 10.1.2.3`. Throws PatternError. */
export function compileClientList(text: string): Matcher<HostSubject> {
  return compileList(text, compileHostPattern);
}

function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\.'));
  return new RegExp(`^${body}$`, 'i');
}

function compileDaemonPattern(token: string): Matcher<DaemonSubject> {
  const at = token.indexOf('@');
  if (at < 0) return compileDaemonName(token, token);
  const daemon = compileDaemonName(token.slice(0, at), token);
  const hostText = token.slice(at + 1);
  if (hostText === '') throw invalid(token, 'daemon@host needs a host pattern after "@"');
  const host = compileHostPattern(hostText);
  return (s) => daemon(s) && host(s.server);
}

function compileDaemonName(part: string, token: string): Matcher<DaemonSubject> {
  const upper = part.toUpperCase();
  if (upper === 'ALL') return ALWAYS;
  if (part === '') throw invalid(token, 'daemon@host needs a daemon name before "@"');
  if (['KNOWN', 'UNKNOWN', 'LOCAL', 'PARANOID'].includes(upper)) {
    throw invalid(token, `${upper} is a client keyword; a daemon list takes ALL and daemon or service names`);
  }
  if (!DAEMON_CHARS.test(part)) throw invalid(token, 'a daemon name has letters, digits and . _ + : - (wildcards * ?)');
  if (/[*?]/.test(part)) {
    const re = globRegExp(part);
    return (s) => re.test(s.daemon) || (s.service !== null && re.test(s.service));
  }
  const lower = part.toLowerCase();
  return (s) => s.daemon === lower || s.service === lower;
}

/** One client (or `daemon@host` host) pattern. Throws PatternError. */
export function compileHostPattern(token: string): Matcher<HostSubject> {
  switch (token.toUpperCase()) {
    case 'ALL':
      return ALWAYS;
    case 'KNOWN':
      return (s) => s.name !== null;
    case 'UNKNOWN':
      return (s) => s.name === null;
    case 'LOCAL':
      return (s) => s.name !== null && !s.name.includes('.');
    case 'PARANOID':
      throw invalid(
        token,
        "PARANOID depends on libwrap's double-reverse DNS check, which the log line does not record",
      );
  }
  if (token.startsWith('/')) throw invalid(token, 'file patterns are not supported; list the addresses in the rule');
  if (token.startsWith('@')) throw invalid(token, 'NIS netgroups are not supported');
  if (token.includes('@'))
    throw invalid(token, "user@host patterns are not supported: the user is the client's own ident claim");
  if (token.startsWith('[') || token.includes(':')) return compileIPv6(token);
  if (token.includes('/')) return compileIPv4Network(token);
  if (token.startsWith('.')) {
    if (!HOST_CHARS.test(token.slice(1))) throw invalid(token, 'a .domain pattern needs a domain name after the dot');
    const suffix = token.toLowerCase();
    return (s) => s.name !== null && s.name.length > suffix.length && s.name.endsWith(suffix);
  }
  if (/^[0-9.]+$/.test(token))
    return token.endsWith('.') ? compileIPv4Prefix(token) : compileExact(token, parseIPv4(token, token));
  if (/[*?]/.test(token)) {
    if (!GLOB_CHARS.test(token)) throw invalid(token, 'a wildcard pattern has letters, digits, . _ : - and * ?');
    const re = globRegExp(token);
    return (s) => (s.name !== null && re.test(s.name)) || (s.address !== null && re.test(s.address.address));
  }
  if (token.endsWith('.'))
    throw invalid(
      token,
      'a pattern ending in "." matches the start of an address and takes digits only, e.g. 192.168.',
    );
  if (!HOST_CHARS.test(token)) throw invalid(token, 'not an address, network, .domain or host name');
  const lower = token.toLowerCase();
  return (s) => s.name === lower;
}

function parseIPv4(text: string, token: string): ParsedAddress {
  const parsed = text.includes(':') ? null : parseAddress(text);
  if (parsed === null || parsed.family !== 4)
    throw invalid(token, `"${text}" is not an IPv4 address (four numbers 0-255, no leading zeros)`);
  return parsed;
}

function prefixLength(text: string, max: number, token: string): number {
  const length = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(length >= 0 && length <= max)) throw invalid(token, `the prefix length must be 0-${max}`);
  return length;
}

function compileExact(token: string, address: ParsedAddress): Matcher<HostSubject> {
  return compileNetwork(token, address, address.bytes.length * 8);
}

/** True when every bit after `prefix` is zero. */
function hostBitsClear(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

function masked(bytes: Uint8Array, prefix: number): string {
  const copy = new Uint8Array(bytes);
  for (let bit = prefix; bit < copy.length * 8; bit++) copy[bit >> 3] = (copy[bit >> 3] ?? 0) & ~(1 << (7 - (bit & 7)));
  return copy.length === 4 ? copy.join('.') : `[${formatIPv6(copy)}]`;
}

function compileNetwork(token: string, net: ParsedAddress, prefix: number): Matcher<HostSubject> {
  if (!hostBitsClear(net.bytes, prefix)) {
    // libwrap compares (addr & mask) == net, so such a pattern could never match: say so now.
    throw invalid(
      token,
      `host bits are set after the first ${prefix} (did you mean ${masked(net.bytes, prefix)}/${prefix}?)`,
    );
  }
  const { family, bytes } = net;
  return (s) => s.address !== null && s.address.family === family && samePrefix(s.address.bytes, bytes, prefix);
}

function compileIPv4Prefix(token: string): Matcher<HostSubject> {
  const parts = token.slice(0, -1).split('.');
  if (parts.length > 3 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) {
    throw invalid(token, 'an address prefix is one to three numbers 0-255 each followed by ".", e.g. 192.168.');
  }
  return (s) => s.address !== null && s.address.family === 4 && s.address.address.startsWith(token);
}

function compileIPv4Network(token: string): Matcher<HostSubject> {
  const slash = token.indexOf('/');
  const net = parseIPv4(token.slice(0, slash), token);
  const maskText = token.slice(slash + 1);
  if (!maskText.includes('.')) return compileNetwork(token, net, prefixLength(maskText, 32, token));
  const mask = parseIPv4(maskText, token).bytes;
  const value = (((mask[0] ?? 0) << 24) | ((mask[1] ?? 0) << 16) | ((mask[2] ?? 0) << 8) | (mask[3] ?? 0)) >>> 0;
  const inverse = ~value >>> 0;
  if ((inverse & (inverse + 1)) !== 0) throw invalid(token, `the netmask ${maskText} is not contiguous`);
  let prefix = 0;
  for (let v = value; v !== 0; v = (v << 1) >>> 0) prefix++;
  return compileNetwork(token, net, prefix);
}

function compileIPv6(token: string): Matcher<HostSubject> {
  const match = token.startsWith('[') ? /^\[([^\]]*)\](?:\/(.*))?$/.exec(token) : /^([^/]*)(?:\/(.*))?$/.exec(token);
  if (!match) throw invalid(token, 'an IPv6 pattern is [address] or [address]/length');
  const text = match[1] ?? '';
  if (text.includes('%')) throw invalid(token, 'zone ids (%eth0) are not supported in patterns');
  const parsed = text.includes(':') ? parseAddress(text) : null;
  if (parsed === null) throw invalid(token, `"${text}" is not an IPv6 address`);
  if (match[2] === undefined) return compileExact(token, parsed);
  const prefix = prefixLength(match[2], 128, token);
  if (parsed.family === 6) return compileNetwork(token, parsed, prefix);
  // ::ffff:a.b.c.d stands for an IPv4 address, and events carry such peers as plain IPv4.
  if (prefix < 96)
    throw invalid(token, 'an IPv4-mapped network needs a prefix of at least 96; write the IPv4 network instead');
  return compileNetwork(token, parsed, prefix - 96);
}

import { parseAddress, prefixKey, type ParsedAddress } from '../parse/address.js';
import type { RefusalPeer } from '../types.js';

/**
 * How the throttle keys, matches and prints each kind of peer. Only a client address is an
 * attacker's address: the other kinds get keys no address can equal and texts that say what
 * is (not) known, so a tftpd server address never poses as "the attacker" in a result, in a
 * throttle window or in a `[[rule]]` clients pattern.
 */
export interface PeerView {
  /** Coalescing key part: an address, an IPv6 `prefix/len`, or a tagged non-address. */
  readonly key: string;
  /** What `{address}` prints. */
  readonly text: string;
  /** The address `[[rule]]` clients patterns match; null when the client address is unknown. */
  readonly clientAddress: ParsedAddress | null;
}

/** `client` is the sanitised client text (name-only peers): printed quoted, it is the attacker's. */
export function viewPeer(peer: RefusalPeer, client: string | null, ipv6Prefix: number): PeerView {
  switch (peer.kind) {
    case 'client-address': {
      const parsed = parseAddress(peer.address);
      if (parsed === null) return { key: peer.address, text: peer.address, clientAddress: null };
      return {
        key: parsed.family === 6 ? prefixKey(parsed, ipv6Prefix) : parsed.address,
        text: peer.address,
        clientAddress: parsed,
      };
    }
    case 'server-address':
      // One bucket per server address: the clients behind it cannot be told apart.
      return {
        key: `unknown client (server ${peer.serverAddress})`,
        text: `an unknown client (the logged ${peer.serverAddress} is the server's own address)`,
        clientAddress: null,
      };
    case 'name-only': {
      const name = client ?? '';
      return { key: `name ${name}`, text: `"${name}" (name only; the address is not logged)`, clientAddress: null };
    }
    default: {
      const unknown: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(unknown)}`);
    }
  }
}

/** Client addresses whose views are remembered; past this the cache starts over (a view is cheap to redo). */
const CACHE_LIMIT = 16_384;

/**
 * viewPeer for a stream of events, remembering the view of each client address: parsing the
 * address again (it was parsed already to find the refusal) was a fifth of the throttle's time
 * in a backlog, and the cached view's key is one string object per address, which keeps the
 * source table's lookups from hashing it again.
 */
export class PeerViews {
  private readonly cache = new Map<string, PeerView>();

  constructor(private readonly ipv6Prefix: number) {}

  view(peer: RefusalPeer, client: string | null): PeerView {
    if (peer.kind !== 'client-address') return viewPeer(peer, client, this.ipv6Prefix);
    let view = this.cache.get(peer.address);
    if (view === undefined) {
      view = viewPeer(peer, client, this.ipv6Prefix);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(peer.address, view);
    }
    return view;
  }
}

/** The exact peer identity (no IPv6 grouping), for pairing xinetd's two lines of one refusal. */
export function exactPeerKey(peer: RefusalPeer): string {
  switch (peer.kind) {
    case 'client-address':
      return peer.address;
    case 'server-address':
      return `server ${peer.serverAddress}`;
    case 'name-only':
      return 'name-only';
    default: {
      const unknown: never = peer;
      throw new Error(`unknown peer ${JSON.stringify(unknown)}`);
    }
  }
}

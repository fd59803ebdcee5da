import type { RefusalEvent, Seq } from '../types.js';
import { DeadlineHeap } from './deadline-heap.js';
import { copySpan, emptySpan, extendSpan, resetSpan, type Span } from './span.js';

/** Where a result goes: resolved once per source, when its window opens. */
export interface Destination {
  /** Nagios host name, already checked (or the fallback). */
  readonly host: string;
  readonly service: string;
  readonly status: number;
}

/** One coalescing key: (Nagios destination, daemon, service, source address or IPv6 prefix). */
export interface SourceEntry {
  readonly destination: Destination;
  /** The window length when it opened; a SIGHUP changes later windows, not this one. */
  readonly windowMs: number;
  windowEnd: number;
  readonly daemon: string;
  /** The event's service, or the daemon when it logs none. */
  readonly service: string;
  /** The address, `prefix/len` for an IPv6 group, or a non-address key (see peer.ts). */
  readonly addressKey: string;
  /** What {address} prints: the peer's text, or the group once several of its addresses were seen. */
  address: string;
  /** The latest logged client text. */
  client: string | null;
  /** The syslog host field. */
  readonly host: string;
  /** Refusals folded and not yet in any result. */
  pending: number;
  /** Refusals since this window opened, reported or not (what `wrapwatch status` ranks by). */
  windowRefusals: number;
  readonly span: Span;
  /** True once any result accounted for this source: later results say "more". */
  reported: boolean;
}

/**
 * The coalescing key as one string: one source per Nagios destination, syslog host, daemon,
 * service and address key. Built only for the "other sources" bucket's distinct count; the
 * table itself compares the fields (SourceTable.find).
 */
export function sourceKey(
  destination: Destination,
  host: string,
  daemon: string,
  service: string,
  addressKey: string,
): string {
  return `${destination.host}\u0000${destination.service}\u0000${host}\u0000${daemon}\u0000${service}\u0000${addressKey}`;
}

export type NewEntry = Omit<SourceEntry, 'windowEnd' | 'pending' | 'windowRefusals' | 'span' | 'reported'>;

/** A drained entry's numbers, for the result that accounts for them. */
export interface Drained {
  readonly refusals: number;
  readonly span: Span;
}

/**
 * The tracked sources. Each entry sits in the window heap exactly once (the throttle renews or
 * removes what it pops), and entries holding pending refusals are also kept in the order they
 * became pending, which is ascending sequence order: the oldest pending seq is then the first.
 */
export class SourceTable {
  /**
   * The entries by address key, for the lookup of every event; the few entries sharing an
   * address are told apart field by field. Keyed by the whole key as one string instead, the
   * table cost more than the rest of the throttle in a backlog: that string was built and
   * hashed anew for every event. The address key comes from the peer cache (peer.ts): one
   * string object per address, whose hash V8 keeps.
   */
  private readonly byAddress = new Map<string, SourceEntry[]>();
  private entryCount = 0;
  private readonly windows = new DeadlineHeap<SourceEntry>();
  private readonly pendingOrder = new Set<SourceEntry>();
  /** False once a seq arrives out of order; the oldest pending seq is then found by a scan. */
  private seqAscending = true;
  private lastSeq = -Infinity;
  /** Sum of `pending` over all entries. */
  pendingRefusals = 0;

  get size(): number {
    return this.entryCount;
  }

  /** The entry with these key fields (see sourceKey), if tracked. */
  find(
    destination: Destination,
    host: string,
    daemon: string,
    service: string,
    addressKey: string,
  ): SourceEntry | undefined {
    const sharing = this.byAddress.get(addressKey);
    if (sharing === undefined) return undefined;
    for (const entry of sharing) {
      if (
        entry.daemon === daemon &&
        entry.service === service &&
        entry.host === host &&
        entry.destination.host === destination.host &&
        entry.destination.service === destination.service
      )
        return entry;
    }
    return undefined;
  }

  create(init: NewEntry, now: number): SourceEntry {
    // Spelled out rather than spread: every entry gets the same hidden class, which keeps the
    // per-event property accesses monomorphic (a spread made folding twice as slow).
    const entry: SourceEntry = {
      destination: init.destination,
      windowMs: init.windowMs,
      windowEnd: now + init.windowMs,
      daemon: init.daemon,
      service: init.service,
      addressKey: init.addressKey,
      address: init.address,
      client: init.client,
      host: init.host,
      pending: 0,
      windowRefusals: 0,
      span: emptySpan(),
      reported: false,
    };
    this.entryCount++;
    const sharing = this.byAddress.get(entry.addressKey);
    if (sharing === undefined) this.byAddress.set(entry.addressKey, [entry]);
    else sharing.push(entry);
    this.windows.push(entry.windowEnd, entry);
    return entry;
  }

  /** Folds refusals into an entry, to be reported when its window closes (or in a storm summary). */
  addPending(entry: SourceEntry, seq: Seq, event: RefusalEvent, count: number, peerText: string): void {
    if (seq < this.lastSeq) this.seqAscending = false;
    this.lastSeq = seq;
    if (entry.pending === 0) this.pendingOrder.add(entry);
    entry.pending += count;
    entry.windowRefusals += count;
    this.pendingRefusals += count;
    extendSpan(entry.span, seq, event);
    if (peerText !== entry.address) entry.address = entry.addressKey;
    entry.client = event.client;
  }

  /** Takes an entry's pending refusals for a result. */
  drain(entry: SourceEntry): Drained {
    const drained = { refusals: entry.pending, span: copySpan(entry.span) };
    this.pendingRefusals -= entry.pending;
    entry.pending = 0;
    resetSpan(entry.span);
    entry.reported = true;
    this.pendingOrder.delete(entry);
    return drained;
  }

  /** Entries holding pending refusals, oldest first. */
  pendingEntries(): IterableIterator<SourceEntry> {
    return this.pendingOrder.values();
  }

  get pendingSources(): number {
    return this.pendingOrder.size;
  }

  oldestPendingSeq(): Seq | null {
    if (this.seqAscending) {
      const first = this.pendingOrder.values().next();
      return first.done === true ? null : first.value.span.oldestSeq;
    }
    let oldest: Seq | null = null;
    for (const entry of this.pendingOrder.values()) {
      const seq = entry.span.oldestSeq;
      if (seq !== null && (oldest === null || seq < oldest)) oldest = seq;
    }
    return oldest;
  }

  nextWindowEnd(): number | null {
    return this.windows.peekDeadline();
  }

  /** The entry whose window closed at or before `now`, removed from the heap; the caller renews or removes it. */
  popClosed(now: number): SourceEntry | null {
    const at = this.windows.peekDeadline();
    if (at === null || at > now) return null;
    return this.windows.pop() ?? null;
  }

  renew(entry: SourceEntry, until: number): void {
    entry.windowEnd = until;
    entry.windowRefusals = 0;
    this.windows.push(until, entry);
  }

  /** The `limit` entries with the most refusals in their current window (none without any), most first. */
  busiest(limit: number): SourceEntry[] {
    const top: SourceEntry[] = [];
    for (const sharing of this.byAddress.values()) {
      for (const entry of sharing) {
        if (entry.windowRefusals === 0) continue;
        if (top.length === limit && (top[limit - 1]?.windowRefusals ?? 0) >= entry.windowRefusals) continue;
        top.push(entry);
        top.sort((a, b) => b.windowRefusals - a.windowRefusals);
        if (top.length > limit) top.pop();
      }
    }
    return top;
  }

  /** Forgets a popped entry whose window closed with nothing pending. */
  remove(entry: SourceEntry): void {
    const sharing = this.byAddress.get(entry.addressKey);
    const at = sharing?.indexOf(entry) ?? -1;
    if (sharing === undefined || at < 0) return;
    sharing.splice(at, 1);
    this.entryCount--;
    if (sharing.length === 0) this.byAddress.delete(entry.addressKey);
  }
}

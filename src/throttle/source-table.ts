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
  readonly key: string;
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
  private readonly entries = new Map<string, SourceEntry>();
  private readonly windows = new DeadlineHeap<SourceEntry>();
  private readonly pendingOrder = new Map<string, SourceEntry>();
  /** False once a seq arrives out of order; the oldest pending seq is then found by a scan. */
  private seqAscending = true;
  private lastSeq = -Infinity;
  /** Sum of `pending` over all entries. */
  pendingRefusals = 0;

  get size(): number {
    return this.entries.size;
  }

  get(key: string): SourceEntry | undefined {
    return this.entries.get(key);
  }

  create(init: NewEntry, now: number): SourceEntry {
    // Spelled out rather than spread: every entry gets the same hidden class, which keeps the
    // per-event property accesses monomorphic (a spread made folding twice as slow).
    const entry: SourceEntry = {
      key: init.key,
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
    this.entries.set(entry.key, entry);
    this.windows.push(entry.windowEnd, entry);
    return entry;
  }

  /** Folds refusals into an entry, to be reported when its window closes (or in a storm summary). */
  addPending(entry: SourceEntry, seq: Seq, event: RefusalEvent, count: number, peerText: string): void {
    if (seq < this.lastSeq) this.seqAscending = false;
    this.lastSeq = seq;
    if (entry.pending === 0) this.pendingOrder.set(entry.key, entry);
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
    this.pendingOrder.delete(entry.key);
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
    for (const entry of this.entries.values()) {
      if (entry.windowRefusals === 0) continue;
      if (top.length === limit && (top[limit - 1]?.windowRefusals ?? 0) >= entry.windowRefusals) continue;
      top.push(entry);
      top.sort((a, b) => b.windowRefusals - a.windowRefusals);
      if (top.length > limit) top.pop();
    }
    return top;
  }

  /** Forgets a popped entry whose window closed with nothing pending. */
  remove(entry: SourceEntry): void {
    this.entries.delete(entry.key);
  }
}

import { exactPeerKey } from './peer.js';
import type { RefusalEvent } from '../types.js';

/** How far apart (by the events' own times) the two lines of one connection may be. */
export const PAIR_WINDOW_MS = 1000;
/** How long (by the daemon's clock) an unpaired line waits for its partner. */
export const PAIR_WAIT_MS = 5000;

interface Unpaired {
  readonly key: string;
  readonly kind: 'xinetd-libwrap' | 'xinetd-fail';
  /** Lines of this kind still waiting for a partner ("message repeated N times" makes N). */
  remaining: number;
  /** Event time of the latest of them. */
  timeMs: number;
  /** Daemon clock when it was stored, for expiry. */
  storedAt: number;
  /** Where its current record sits in the age queue (see XinetdPairs.queue); -1 once forgotten. */
  queuedAt: number;
}

/**
 * xinetd logs one refused connection twice: `libwrap refused connection to SVC ... from ADDR`
 * and, with `log_on_failure = HOST`, `FAIL: SVC libwrap from=ADDR` right after it, with the same
 * pid. Either line may come alone (log_on_failure without HOST; the libwrap line at daemon.crit
 * routed to another file), so neither can be dropped blindly: a line is a duplicate only when
 * the other kind, with the same host, pid, service and address, came within a second and has
 * not been paired yet. Whichever comes first is reported; the second is counted as deduplicated.
 *
 * Memory: at most `capacity` unpaired lines; the oldest are forgotten first, and lines older
 * than PAIR_WAIT_MS of daemon time are dropped. A forgotten line only means its partner is
 * counted as a refusal of its own: every line is still counted exactly once.
 */
export class XinetdPairs {
  private readonly waiting = new Map<string, Unpaired>();
  /**
   * The waiting lines in the order they were last stored, oldest first, for expiry and
   * eviction. A line stored again gets a new record at the back and its older one is skipped
   * (its `queuedAt` no longer points there). Taking the oldest from the Map's own order instead
   * stepped over every slot V8 leaves behind a deleted key at the table's front: with the
   * table full (a backlog of lone xinetd lines), each eviction walked thousands of them.
   */
  private queue: Unpaired[] = [];
  /** Index in `queue` of its oldest record not yet consumed. */
  private head = 0;
  private capacity: number;
  /** No entry expires before this (daemon clock): a lower bound on the oldest line's expiry. */
  private nextExpiry = Infinity;
  /** Unpaired lines forgotten because the table was full (a partner may then count twice). */
  evicted = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  get size(): number {
    return this.waiting.size;
  }

  resize(capacity: number): void {
    this.capacity = Math.max(1, capacity);
    this.evictOverflow();
  }

  /** How many of `count` refusals this event stands for were already counted by its partner line. */
  duplicates(event: RefusalEvent, count: number, now: number): number {
    if (event.kind !== 'xinetd-libwrap' && event.kind !== 'xinetd-fail') return 0;
    this.expire(now);
    const key = `${event.host}\u0000${event.pid ?? '-'}\u0000${event.service ?? ''}\u0000${exactPeerKey(event.peer)}`;
    const timeMs = event.time.getTime();
    const other = this.waiting.get(key);
    let paired = 0;
    if (other !== undefined && other.kind !== event.kind && Math.abs(timeMs - other.timeMs) <= PAIR_WINDOW_MS) {
      paired = Math.min(other.remaining, count);
      other.remaining -= paired;
      if (other.remaining === 0) this.forget(other);
    }
    const unpaired = count - paired;
    if (unpaired > 0) {
      const same = this.waiting.get(key);
      if (same !== undefined && same.kind === event.kind) {
        same.remaining += unpaired;
        same.timeMs = timeMs;
        same.storedAt = now;
        this.enqueue(same);
      } else {
        // An unpaired line of the other kind that is too far away in time is no partner any more.
        if (same !== undefined) this.forget(same);
        const line: Unpaired = { key, kind: event.kind, remaining: unpaired, timeMs, storedAt: now, queuedAt: -1 };
        this.waiting.set(key, line);
        this.enqueue(line);
        this.nextExpiry = Math.min(this.nextExpiry, now + PAIR_WAIT_MS);
        this.evictOverflow();
      }
    }
    return paired;
  }

  private forget(line: Unpaired): void {
    this.waiting.delete(line.key);
    line.queuedAt = -1;
  }

  private enqueue(line: Unpaired): void {
    line.queuedAt = this.queue.length;
    this.queue.push(line);
    // Consumed records and those left behind by lines stored again or paired are dropped once
    // they outnumber the live ones, so the queue stays within a few times the table's size.
    const unconsumed = this.queue.length - this.head;
    if ((this.head > 1024 && this.head > unconsumed) || unconsumed > 4 * Math.max(1024, this.waiting.size))
      this.compact();
  }

  /** The oldest waiting line, its record consumed; null when none waits. */
  private takeOldest(): Unpaired | null {
    const line = this.peekOldest();
    if (line !== null) this.head++;
    return line;
  }

  /** The oldest waiting line, skipping records that are no longer current. */
  private peekOldest(): Unpaired | null {
    while (this.head < this.queue.length) {
      const line = this.queue[this.head] as Unpaired;
      if (line.queuedAt === this.head) return line;
      this.head++;
    }
    return null;
  }

  private compact(): void {
    const live: Unpaired[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const line = this.queue[i] as Unpaired;
      if (line.queuedAt !== i) continue;
      line.queuedAt = live.length;
      live.push(line);
    }
    this.queue = live;
    this.head = 0;
  }

  private expire(now: number): void {
    if (now < this.nextExpiry) return;
    for (let line = this.peekOldest(); line !== null; line = this.peekOldest()) {
      if (now - line.storedAt < PAIR_WAIT_MS) {
        this.nextExpiry = line.storedAt + PAIR_WAIT_MS;
        return;
      }
      this.head++;
      this.forget(line);
    }
    this.nextExpiry = Infinity;
  }

  private evictOverflow(): void {
    while (this.waiting.size > this.capacity) {
      const oldest = this.takeOldest();
      if (oldest === null) break;
      this.forget(oldest);
      this.evicted++;
    }
  }
}

import { exactPeerKey } from './peer.js';
import type { RefusalEvent } from '../types.js';

/** How far apart (by the events' own times) the two lines of one connection may be. */
export const PAIR_WINDOW_MS = 1000;
/** How long (by the daemon's clock) an unpaired line waits for its partner. */
export const PAIR_WAIT_MS = 5000;

interface Unpaired {
  readonly kind: 'xinetd-libwrap' | 'xinetd-fail';
  /** Lines of this kind still waiting for a partner ("message repeated N times" makes N). */
  remaining: number;
  /** Event time of the latest of them. */
  timeMs: number;
  /** Daemon clock when it was stored, for expiry. */
  storedAt: number;
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
  private capacity: number;
  /**
   * No entry expires before this (daemon clock): the front entry's expiry at the last look, a
   * lower bound since the front only moves to later entries. Walking the Map from its front
   * on every event cost most of the throttle's time in a backlog: V8 keeps deleted slots at the
   * front of the table until it is rebuilt, and each walk stepped over all of them.
   */
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
      if (other.remaining === 0) this.waiting.delete(key);
    }
    const unpaired = count - paired;
    if (unpaired > 0) {
      const same = this.waiting.get(key);
      if (same !== undefined && same.kind === event.kind) {
        same.remaining += unpaired;
        same.timeMs = timeMs;
        same.storedAt = now;
        // Re-insert so the Map's order stays the order of storedAt (expiry walks from the front).
        this.waiting.delete(key);
        this.waiting.set(key, same);
      } else {
        // An unpaired line of the other kind that is too far away in time is no partner any more.
        this.waiting.delete(key);
        this.waiting.set(key, { kind: event.kind, remaining: unpaired, timeMs, storedAt: now });
        this.nextExpiry = Math.min(this.nextExpiry, now + PAIR_WAIT_MS);
        this.evictOverflow();
      }
    }
    return paired;
  }

  private expire(now: number): void {
    if (now < this.nextExpiry) return;
    for (const [key, entry] of this.waiting) {
      if (now - entry.storedAt < PAIR_WAIT_MS) {
        this.nextExpiry = entry.storedAt + PAIR_WAIT_MS;
        return;
      }
      this.waiting.delete(key);
    }
    this.nextExpiry = Infinity;
  }

  private evictOverflow(): void {
    while (this.waiting.size > this.capacity) {
      const oldest = this.waiting.keys().next();
      if (oldest.done === true) break;
      this.waiting.delete(oldest.value);
      this.evicted++;
    }
  }
}

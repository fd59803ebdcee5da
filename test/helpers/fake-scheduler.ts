import { sleepOn, type Scheduler, type Timer } from '../../src/time/scheduler.js';

interface Pending {
  readonly id: number;
  at: number;
  readonly fn: () => void;
  /** Set for intervals: the timer is due again this much later. */
  readonly every: number | null;
}

/**
 * A scheduler the test moves by hand: `now()` stands still until `advance`, which fires every
 * timer due on the way in time order (ties in the order they were set), letting promises settle
 * between them so async work a timer starts runs before the next one fires.
 */
export class FakeScheduler implements Scheduler {
  private time: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(start = Date.UTC(2026, 10, 21, 12)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  timeout(fn: () => void, ms: number): Timer {
    return this.add(fn, Math.max(0, ms), null);
  }

  interval(fn: () => void, ms: number): Timer {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Timers not yet fired nor cancelled. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Milliseconds until the next timer is due, or null when none is pending. */
  nextDelay(): number | null {
    let next: number | null = null;
    for (const p of this.pending.values()) if (next === null || p.at < next) next = p.at;
    return next === null ? null : next - this.time;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.earliest();
      if (due === null || due.at > end) break;
      this.time = Math.max(this.time, due.at);
      if (due.every === null) this.pending.delete(due.id);
      else due.at += due.every;
      due.fn();
      await settle();
    }
    this.time = end;
    await settle();
  }

  /**
   * Advances timer by timer until `condition` holds; throws when it still does not after `maxMs`
   * of fake time, so a test waiting for something that never happens fails instead of hanging.
   */
  async advanceUntil(condition: () => boolean, maxMs = 60_000): Promise<void> {
    const end = this.time + maxMs;
    await settle();
    while (!condition()) {
      const next = this.nextDelay();
      if (this.time >= end || next === null) {
        throw new Error(`condition still false after ${maxMs - (end - this.time)} ms of fake time`);
      }
      await this.advance(Math.min(Math.max(0, next), end - this.time));
    }
  }

  /**
   * Advances timer by timer until `promise` settles and returns its value (e.g. a `drain` racing
   * its own deadline); throws when it has not settled after `maxMs` of fake time.
   */
  async settleWithin<T>(promise: Promise<T>, maxMs = 60_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    // Should the wait throw first, a later rejection is this test's failure already told.
    watched.catch(() => undefined);
    await this.advanceUntil(() => settled, maxMs);
    return watched;
  }

  private earliest(): Pending | null {
    let best: Pending | null = null;
    for (const p of this.pending.values())
      if (best === null || p.at < best.at || (p.at === best.at && p.id < best.id)) best = p;
    return best;
  }

  private add(fn: () => void, ms: number, every: number | null): Timer {
    let id = this.nextId++;
    this.pending.set(id, { id, at: this.time + ms, fn, every });
    const timer: Timer = {
      cancel: () => {
        this.pending.delete(id);
      },
      unref: () => timer,
      refresh: () => {
        this.pending.delete(id);
        id = this.nextId++;
        this.pending.set(id, { id, at: this.time + ms, fn, every });
        return timer;
      },
    };
    return timer;
  }
}

/**
 * Lets pending promise callbacks run. A real-I/O callback (fs, sockets) is not waited for: a
 * test that needs one awaits the effect itself (`vi.waitFor`) before advancing again.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

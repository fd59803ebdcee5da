/** The cap's period: `max_results_per_minute` is counted over any 60 s. */
export const CAP_PERIOD_MS = 60_000;

/**
 * The global result cap: at most `limit` results in ANY 60-second interval (a sliding window
 * over the times results were emitted, not per calendar minute, so a burst straddling a minute
 * boundary cannot send twice the limit). It keeps the last `limit` emission times in a ring.
 *
 * Why not p-queue or bottleneck: both delay jobs on real timers and run them later,
 * asynchronously. The throttle must decide synchronously, on an injected clock, whether a result
 * goes out now or is folded into a storm summary; it never queues a result for later sending.
 * p-queue's interval/intervalCap would hold results back instead of folding them, and
 * bottleneck's reservoir and drop strategies carry known bugs (README's design notes; it is
 * unmaintained since 2019). Neither aggregates per source.
 * What is needed is a counter over a sliding window, which is a few lines.
 */
export class RateCap {
  private times: number[] = [];
  /** Index of the oldest recorded time once the ring is full. */
  private oldest = 0;
  private limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** True when one more result at `now` keeps every 60 s interval within the limit. */
  allows(now: number): boolean {
    return this.times.length < this.limit || now - (this.times[this.oldest] ?? 0) >= CAP_PERIOD_MS;
  }

  /** When `allows` turns true again (meaningful while it is false). */
  nextFreeAt(): number {
    return this.times.length < this.limit ? -Infinity : (this.times[this.oldest] ?? 0) + CAP_PERIOD_MS;
  }

  record(now: number): void {
    if (this.times.length < this.limit) {
      this.times.push(now);
      return;
    }
    this.times[this.oldest] = now;
    this.oldest = (this.oldest + 1) % this.limit;
  }

  /** SIGHUP: a new limit keeps the recent history, so a reload cannot reopen the floodgates. */
  resize(limit: number): void {
    const ordered = [...this.times.slice(this.oldest), ...this.times.slice(0, this.oldest)];
    this.limit = Math.max(1, limit);
    this.times = ordered.slice(-this.limit);
    this.oldest = 0;
  }
}

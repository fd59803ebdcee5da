/** Counts over the last 1, 5 and 15 minutes. */
export interface RecentCounts {
  readonly m1: number;
  readonly m5: number;
  readonly m15: number;
}

const WINDOWS_MS = { m1: 60_000, m5: 300_000, m15: 900_000 } as const;
const LONGEST_MS = WINDOWS_MS.m15;

/**
 * Turns an ever-growing counter into counts over recent minutes, from samples the status
 * reporter takes anyway (every few seconds): a count over a window is the total now minus the
 * total at the oldest sample inside it. Nothing on the per-line path; memory is one sample per
 * interval over 15 minutes. Accurate to one interval; before a window has passed since the
 * start, it counts since the start.
 */
export class RecentTotals {
  private readonly samples: { at: number; total: number }[] = [];

  record(at: number, total: number): void {
    this.samples.push({ at, total });
    // Keep one sample at or before the 15-minute edge, so that window has its start.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - LONGEST_MS) this.samples.shift();
  }

  counts(now: number, total: number): RecentCounts {
    return {
      m1: this.since(now - WINDOWS_MS.m1, total),
      m5: this.since(now - WINDOWS_MS.m5, total),
      m15: this.since(now - WINDOWS_MS.m15, total),
    };
  }

  private since(edge: number, total: number): number {
    // The latest sample at or before the edge is the count's start; without one, the first sample.
    let base = this.samples[0]?.total ?? total;
    for (const sample of this.samples) {
      if (sample.at > edge) break;
      base = sample.total;
    }
    return Math.max(0, total - base);
  }
}

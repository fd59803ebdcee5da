import { CAP_PERIOD_MS } from './rate-cap.js';
import type { OverflowBucket, OverflowDrained } from './overflow.js';
import type { Destination, SourceEntry, SourceTable } from './source-table.js';
import { emptySpan, mergeSpan, type Span } from './span.js';

/**
 * Storm bookkeeping. A storm starts when the cap first holds a result back; from then on a
 * summary is due every 60 s. At each one, if anything was held back during the period, every
 * refusal still pending anywhere is swept into the summary (so it names the real top talkers
 * with their full counts, not just the results that happened to be capped) and the storm goes
 * on; a period in which nothing was held back ends the storm quietly.
 */
export class StormState {
  /** Start of the period the next summary covers. */
  periodStart = 0;
  /** When the next summary is due; null when no storm is on. */
  summaryAt: number | null = null;
  private heldBack = false;
  /** Storms started since the throttle was created. */
  started = 0;

  /** The cap held a result back at `now`; returns when the summary that will account for it is due. */
  holdBack(now: number): number {
    this.heldBack = true;
    if (this.summaryAt === null) {
      this.started++;
      this.periodStart = now;
      this.summaryAt = now + CAP_PERIOD_MS;
    }
    return this.summaryAt;
  }

  /** At `summaryAt`: true when a summary should sweep; then the next period begins, else the storm ends. */
  closePeriod(now: number): boolean {
    if (!this.heldBack) {
      this.end();
      return false;
    }
    this.heldBack = false;
    this.periodStart = now;
    this.summaryAt = now + CAP_PERIOD_MS;
    return true;
  }

  end(): void {
    this.heldBack = false;
    this.summaryAt = null;
  }
}

export interface TopSource {
  readonly entry: SourceEntry;
  readonly count: number;
}

/** Everything a storm summary accounts for. */
export interface StormSweep {
  readonly refusals: number;
  /** Distinct keys: the tracked ones swept plus the untracked estimate. */
  readonly sources: number;
  readonly span: Span;
  /** The busiest source's destination, with the worst status of everything swept. */
  readonly destination: Destination;
  readonly top: readonly TopSource[];
  /** True when the top list spans several syslog hosts, so labels must name them. */
  readonly severalHosts: boolean;
  readonly untracked: OverflowDrained | null;
}

/** Drains every pending refusal (tracked and untracked) into one sweep; null when nothing is pending. */
export function sweepPending(table: SourceTable, overflow: OverflowBucket, topCount: number): StormSweep | null {
  const entries = [...table.pendingEntries()];
  const untracked = overflow.drain();
  if (entries.length === 0 && untracked === null) return null;

  const top: TopSource[] = [];
  const span = emptySpan();
  let refusals = 0;
  let busiest: TopSource | null = null;
  let status = untracked?.destination.status ?? 0;
  let host: string | null = null;
  let severalHosts = false;
  for (const entry of entries) {
    const drained = table.drain(entry);
    const item = { entry, count: drained.refusals };
    refusals += drained.refusals;
    mergeSpan(span, drained.span);
    status = Math.max(status, entry.destination.status);
    if (busiest === null || item.count > busiest.count) busiest = item;
    if (host === null) host = entry.host;
    else if (host !== entry.host) severalHosts = true;
    insertTop(top, item, topCount);
  }
  if (untracked !== null) {
    refusals += untracked.refusals;
    mergeSpan(span, untracked.span);
  }
  // The summary goes where most of the storm is; with one destination (the usual case) that is it.
  const base =
    untracked !== null && (busiest === null || untracked.refusals > busiest.count)
      ? untracked.destination
      : busiest?.entry.destination;
  if (base === undefined) throw new Error('storm sweep found refusals but no destination (a wrapwatch bug)');
  return {
    refusals,
    sources: entries.length + (untracked?.sources ?? 0),
    span,
    destination: { ...base, status },
    top,
    severalHosts,
    untracked,
  };
}

/** Keeps `top` sorted by count, descending, at most `limit` long (limit <= 50, so a linear insert is fine). */
function insertTop(top: TopSource[], item: TopSource, limit: number): void {
  if (limit <= 0) return;
  if (top.length >= limit && (top[top.length - 1]?.count ?? 0) >= item.count) return;
  let i = top.length;
  while (i > 0 && (top[i - 1]?.count ?? 0) < item.count) i--;
  top.splice(i, 0, item);
  if (top.length > limit) top.pop();
}

import type { Alert, Seq } from '../types.js';

interface Folded {
  host: string;
  service: string;
  status: number;
  results: number;
  refusals: number;
  sources: number;
  oldestSeq: Seq | null;
  firstMs: number;
  lastMs: number;
  otherTargets: boolean;
}

/** Distinct host/service pairs kept apart; beyond this they share the first summary. */
const MAX_TARGETS = 1024;

/**
 * Results that did not fit the sink's buffer, reduced to counts per Nagios host and service.
 * A summary's perfdata carries the refusals of every result folded into it, so the sum of
 * `refusals=` over everything delivered still equals the refusals read. Its `sources=` is the
 * sum over the folded results (a source repeated across them is counted each time).
 */
export class OverflowSummaries {
  private readonly byTarget = new Map<string, Folded>();

  get size(): number {
    return this.byTarget.size;
  }

  fold(alert: Alert, nowMs: number): void {
    const key = `${alert.host}\u0000${alert.service}`;
    let entry = this.byTarget.get(key);
    if (!entry && this.byTarget.size >= MAX_TARGETS) {
      const oldest = this.byTarget.values().next();
      if (!oldest.done) {
        entry = oldest.value;
        entry.otherTargets = true;
      }
    }
    if (!entry) {
      entry = {
        host: alert.host,
        service: alert.service,
        status: alert.status,
        results: 0,
        refusals: 0,
        sources: 0,
        oldestSeq: null,
        firstMs: nowMs,
        lastMs: nowMs,
        otherTargets: false,
      };
      this.byTarget.set(key, entry);
    }
    entry.status = Math.max(entry.status, alert.status);
    entry.results++;
    entry.refusals += alert.refusals;
    entry.sources += alert.sources;
    entry.lastMs = nowMs;
    if (alert.oldestSeq !== null && (entry.oldestSeq === null || alert.oldestSeq < entry.oldestSeq))
      entry.oldestSeq = alert.oldestSeq;
  }

  oldestSeq(): Seq | null {
    let oldest: Seq | null = null;
    for (const entry of this.byTarget.values()) {
      if (entry.oldestSeq !== null && (oldest === null || entry.oldestSeq < oldest)) oldest = entry.oldestSeq;
    }
    return oldest;
  }

  /** The summaries as results to send, in the order they began; the store is emptied. `label` names the receiver (NSCA). */
  take(label: string): Alert[] {
    const out: Alert[] = [];
    for (const f of this.byTarget.values()) {
      const span = `${new Date(f.firstMs).toISOString()} to ${new Date(f.lastMs).toISOString()}`;
      const others = f.otherTargets ? ' (results for other hosts/services included)' : '';
      out.push({
        host: f.host,
        service: f.service,
        status: f.status,
        output: `wrapwatch held back ${f.results} result${f.results === 1 ? '' : 's'} while the ${label} receiver was unreachable or too slow (${span})${others}: ${f.refusals} refusals | refusals=${f.refusals} sources=${f.sources}`,
        refusals: f.refusals,
        sources: f.sources,
        oldestSeq: f.oldestSeq,
        reason: 'overflow',
      });
    }
    this.byTarget.clear();
    return out;
  }
}

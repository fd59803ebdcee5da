import type { RefusalEvent, Seq } from '../types.js';
import { DistinctCounter } from './distinct.js';
import type { Destination } from './source-table.js';
import { copySpan, emptySpan, extendSpan, resetSpan, type Span } from './span.js';

export interface OverflowDrained {
  readonly refusals: number;
  readonly sources: number;
  readonly exact: boolean;
  readonly span: Span;
  readonly destination: Destination;
}

/**
 * The "other sources" bucket: refusals from new sources while `max_tracked_sources` are already
 * tracked. Nothing per source is kept (that is the point), only counts, a distinct-source
 * estimate and the first destination seen; it reports once per window like a source would.
 */
export class OverflowBucket {
  pending = 0;
  private span: Span = emptySpan();
  private sources = new DistinctCounter();
  private destination: Destination | null = null;
  /** The worst status among the refusals in it. */
  private status = 0;
  /** When it reports; null while empty. */
  windowEnd: number | null = null;

  add(
    key: string,
    seq: Seq,
    event: RefusalEvent,
    count: number,
    destination: Destination,
    now: number,
    windowMs: number,
  ): void {
    if (this.windowEnd === null) this.windowEnd = now + windowMs;
    if (this.destination === null) this.destination = destination;
    this.status = Math.max(this.status, destination.status);
    this.pending += count;
    this.sources.add(key);
    extendSpan(this.span, seq, event);
  }

  get oldestSeq(): Seq | null {
    return this.span.oldestSeq;
  }

  /** Empties the bucket (and closes its window) for a result. Null when it holds nothing. */
  drain(): OverflowDrained | null {
    const destination = this.destination;
    if (this.pending === 0 || destination === null) return null;
    const drained: OverflowDrained = {
      refusals: this.pending,
      sources: this.sources.count(),
      exact: this.sources.isExact,
      span: copySpan(this.span),
      destination: { ...destination, status: this.status },
    };
    this.pending = 0;
    resetSpan(this.span);
    this.sources = new DistinctCounter();
    this.destination = null;
    this.status = 0;
    this.windowEnd = null;
    return drained;
  }
}

import type { RefusalEvent, Seq } from '../types.js';

/**
 * What a set of folded refusals covers: the events' own first and last times (with the offset
 * the log wrote them in, so the text shows the time the sysadmin finds in the log) and the lowest
 * sequence number, which holds back checkpoint commits until a result accounts for it.
 */
export interface Span {
  firstMs: number;
  /** UTC offset of the first event's header, when the parser knew it. */
  firstOffset: number | undefined;
  lastMs: number;
  lastOffset: number | undefined;
  oldestSeq: Seq | null;
}

export function emptySpan(): Span {
  return { firstMs: Infinity, firstOffset: undefined, lastMs: -Infinity, lastOffset: undefined, oldestSeq: null };
}

export function resetSpan(span: Span): void {
  span.firstMs = Infinity;
  span.firstOffset = undefined;
  span.lastMs = -Infinity;
  span.lastOffset = undefined;
  span.oldestSeq = null;
}

export function extendSpan(span: Span, seq: Seq, event: RefusalEvent): void {
  const ms = event.time.getTime();
  if (ms < span.firstMs) {
    span.firstMs = ms;
    span.firstOffset = event.utcOffsetMinutes;
  }
  if (ms > span.lastMs) {
    span.lastMs = ms;
    span.lastOffset = event.utcOffsetMinutes;
  }
  if (span.oldestSeq === null || seq < span.oldestSeq) span.oldestSeq = seq;
}

export function mergeSpan(into: Span, from: Span): void {
  if (from.firstMs < into.firstMs) {
    into.firstMs = from.firstMs;
    into.firstOffset = from.firstOffset;
  }
  if (from.lastMs > into.lastMs) {
    into.lastMs = from.lastMs;
    into.lastOffset = from.lastOffset;
  }
  if (from.oldestSeq !== null && (into.oldestSeq === null || from.oldestSeq < into.oldestSeq))
    into.oldestSeq = from.oldestSeq;
}

export function copySpan(span: Span): Span {
  return { ...span };
}

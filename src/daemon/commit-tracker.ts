import type { Seq, SourcePosition } from '../types.js';

interface Mark {
  readonly seq: Seq;
  readonly sourceId: string;
  readonly position: SourcePosition;
}

/**
 * Remembers where each handled batch of lines ended, so that positions are committed only
 * once everything before them is delivered.
 *
 * The daemon notes the last line of each batch after the whole batch went through parse and
 * throttle. The throttle and the sink each say the oldest sequence number they still hold;
 * every mark below both is safe: its refusals were delivered, folded into a delivered result,
 * ignored by a rule or were no refusals at all. A mark at or above them waits. One mark per
 * batch keeps this small: a commit can only lag, never run ahead.
 */
export class CommitTracker {
  private marks: Mark[] = [];
  private head = 0;

  note(seq: Seq, sourceId: string, position: SourcePosition): void {
    this.marks.push({ seq, sourceId, position });
  }

  /** Marks noted and not yet released. */
  get size(): number {
    return this.marks.length - this.head;
  }

  /**
   * The newest position per source among marks with `seq` below `firstUndelivered` (null: all
   * delivered), removing them. Sources without such a mark are absent from the result.
   */
  release(firstUndelivered: Seq | null): Map<string, SourcePosition> {
    const out = new Map<string, SourcePosition>();
    while (this.head < this.marks.length) {
      const mark = this.marks[this.head];
      if (!mark || (firstUndelivered !== null && mark.seq >= firstUndelivered)) break;
      out.set(mark.sourceId, mark.position);
      this.head++;
    }
    // Compact now and then instead of shifting on every release.
    if (this.head > 1024 && this.head * 2 > this.marks.length) {
      this.marks = this.marks.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/** The smaller of two "oldest held" sequence numbers, where null means nothing is held. */
export function oldestOf(a: Seq | null, b: Seq | null): Seq | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

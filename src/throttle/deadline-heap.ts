/**
 * Items ordered by deadline (a binary min-heap). Windows differ per rule, so window ends do not
 * come in insertion order; a heap keeps "which window closes next" O(log n) even with a
 * million tracked sources, and does not assume the clock never steps back.
 */
export class DeadlineHeap<T> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest deadline, or null when empty. */
  peekDeadline(): number | null {
    return this.at.length === 0 ? null : (this.at[0] ?? null);
  }

  push(deadline: number, item: T): void {
    let i = this.at.length;
    this.at.push(deadline);
    this.items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.at[parent] ?? 0) <= deadline) break;
      this.move(parent, i);
      i = parent;
    }
    this.at[i] = deadline;
    this.items[i] = item;
  }

  /** Removes and returns the item with the earliest deadline. */
  pop(): T | undefined {
    const top = this.items[0];
    const lastAt = this.at.pop();
    const lastItem = this.items.pop();
    const n = this.at.length;
    if (n === 0 || lastAt === undefined || lastItem === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (this.at[right] ?? 0) < (this.at[left] ?? 0) ? right : left;
      if ((this.at[child] ?? 0) >= lastAt) break;
      this.move(child, i);
      i = child;
    }
    this.at[i] = lastAt;
    this.items[i] = lastItem;
    return top;
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from] ?? 0;
    const item = this.items[from];
    if (item !== undefined) this.items[to] = item;
  }
}

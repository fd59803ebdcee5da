/**
 * Reconnect delays: doubling from `minMs` to `maxMs`, each with "equal jitter" (between half
 * and all of the step), so many wrapwatch hosts that lost the same receiver do not all come
 * back at the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next try; each call doubles the step up to the maximum. */
  next(): number {
    const step = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return step / 2 + this.random() * (step / 2);
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

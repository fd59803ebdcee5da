/** Counted exactly up to this many keys; beyond, estimated. */
const EXACT_LIMIT = 1024;
/** HyperLogLog with 2^12 registers: 4 KiB, about 1.6 % standard error. */
const BITS = 12;
const REGISTERS = 1 << BITS;

function hash32(text: string): number {
  // FNV-1a, then murmur3's finaliser so the high bits (the register index) are well mixed.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * How many distinct sources went into the "other sources" bucket, in bounded memory: the very
 * point of that bucket is that the sources are too many to remember. Exact for the first 1024,
 * then a HyperLogLog estimate (so the text says "about").
 */
export class DistinctCounter {
  private exact: Set<string> | null = new Set();
  private registers: Uint8Array | null = null;

  add(key: string): void {
    if (this.exact !== null) {
      this.exact.add(key);
      if (this.exact.size <= EXACT_LIMIT) return;
      this.registers = new Uint8Array(REGISTERS);
      for (const k of this.exact) this.addHashed(k);
      this.exact = null;
      return;
    }
    this.addHashed(key);
  }

  get isExact(): boolean {
    return this.exact !== null;
  }

  count(): number {
    if (this.exact !== null) return this.exact.size;
    const registers = this.registers ?? new Uint8Array(REGISTERS);
    let sum = 0;
    let zeros = 0;
    for (const r of registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
    const raw = (alpha * REGISTERS * REGISTERS) / sum;
    // Small cardinalities: linear counting is far more accurate than the raw estimate.
    const estimate = raw <= 2.5 * REGISTERS && zeros > 0 ? REGISTERS * Math.log(REGISTERS / zeros) : raw;
    return Math.max(EXACT_LIMIT + 1, Math.round(estimate));
  }

  private addHashed(key: string): void {
    const registers = this.registers;
    if (registers === null) return;
    const h = hash32(key);
    const index = h >>> (32 - BITS);
    const rest = (h << BITS) >>> 0;
    const rank = rest === 0 ? 32 - BITS + 1 : Math.clz32(rest) + 1;
    if (rank > (registers[index] ?? 0)) registers[index] = rank;
  }
}

/**
 * The hexadecimal digits of pi's fractional part, as 32-bit words. Blowfish starts its P-array
 * and S-boxes from the first 1042 of them; computing them (Machin's formula on BigInts, about
 * 40 ms once) keeps 4 KiB of magic numbers out of the source.
 */

/** arctan(1/x) scaled by `one` (a power of two), by its alternating Taylor series. */
function arctanOfInverse(x: bigint, one: bigint): bigint {
  const xSquared = x * x;
  let power = one / x; // one / x^(2k+1)
  let sum = power;
  let positive = false;
  for (let divisor = 3n; ; divisor += 2n) {
    power /= xSquared;
    const term = power / divisor;
    if (term === 0n) return sum;
    sum = positive ? sum + term : sum - term;
    positive = !positive;
  }
}

/** The first `count` 32-bit words of pi's fractional part: 0x243f6a88, 0x85a308d3, ... */
export function piFractionWords(count: number): Uint32Array {
  // Guard bits absorb the truncation error of each series term (well under 2^20 terms).
  const guardBits = 64n;
  const bits = BigInt(count) * 32n + guardBits;
  const one = 1n << bits;
  const pi = 16n * arctanOfInverse(5n, one) - 4n * arctanOfInverse(239n, one);
  let fraction = (pi - 3n * one) >> guardBits;
  const words = new Uint32Array(count);
  for (let i = count - 1; i >= 0; i--) {
    words[i] = Number(fraction & 0xffffffffn);
    fraction >>= 32n;
  }
  return words;
}

/**
 * mulberry32: a tiny seeded generator, the same sequence on every machine for a seed (no
 * Math.random, no clock). The log generator and the randomised tests draw from it, so a
 * seed names a log or a failing case that anyone can replay.
 *
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

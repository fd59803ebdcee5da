/** mulberry32: a seeded generator, uniform in [0, 1); see mulberry32.mjs. */
export function mulberry32(seed: number): () => number;

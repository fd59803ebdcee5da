import { piFractionWords } from './pi-hex.js';

/**
 * Blowfish (Schneier, 1993), encryption direction only: all CFB needs. Node's OpenSSL offers
 * Blowfish only through the legacy provider, which is off by default, and nsca's method 8 is
 * plain big-endian Blowfish (libmcrypt's "blowfish", not "blowfish-compat").
 */

const ROUNDS = 16;
const P_WORDS = ROUNDS + 2;
const S_WORDS = 4 * 256;

export const BLOWFISH_BLOCK_BYTES = 8;
export const BLOWFISH_MAX_KEY_BYTES = 56;

let initialWords: Uint32Array | undefined;

/** P-array then the four S-boxes, before any key: the digits of pi. Computed once. */
function initialTables(): Uint32Array {
  initialWords ??= piFractionWords(P_WORDS + S_WORDS);
  return initialWords;
}

export class Blowfish {
  private readonly p: Uint32Array;
  private readonly s: Uint32Array;
  // The last block, as words: avoids allocating a pair per block in the hot CFB loop.
  private left = 0;
  private right = 0;

  constructor(key: Uint8Array) {
    if (key.length < 1 || key.length > BLOWFISH_MAX_KEY_BYTES) {
      throw new RangeError(`a Blowfish key is 1 to ${BLOWFISH_MAX_KEY_BYTES} bytes, not ${key.length}`);
    }
    const tables = initialTables();
    this.p = tables.slice(0, P_WORDS);
    this.s = tables.slice(P_WORDS);
    let k = 0;
    for (let i = 0; i < P_WORDS; i++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        word = (word << 8) | (key[k] ?? 0);
        k = (k + 1) % key.length;
      }
      this.p[i] = (this.p[i] ?? 0) ^ word;
    }
    this.left = 0;
    this.right = 0;
    for (let i = 0; i < P_WORDS; i += 2) {
      this.encryptWords();
      this.p[i] = this.left;
      this.p[i + 1] = this.right;
    }
    for (let i = 0; i < S_WORDS; i += 2) {
      this.encryptWords();
      this.s[i] = this.left;
      this.s[i + 1] = this.right;
    }
  }

  private f(x: number): number {
    const s = this.s;
    return (
      ((((s[x >>> 24] ?? 0) + (s[256 + ((x >>> 16) & 0xff)] ?? 0)) ^ (s[512 + ((x >>> 8) & 0xff)] ?? 0)) +
        (s[768 + (x & 0xff)] ?? 0)) >>>
      0
    );
  }

  /** Encrypts (left, right) in place. */
  private encryptWords(): void {
    const p = this.p;
    let l = this.left;
    let r = this.right;
    for (let i = 0; i < ROUNDS; i += 2) {
      l = (l ^ (p[i] ?? 0)) >>> 0;
      r = (r ^ this.f(l)) >>> 0;
      r = (r ^ (p[i + 1] ?? 0)) >>> 0;
      l = (l ^ this.f(r)) >>> 0;
    }
    this.left = (r ^ (p[ROUNDS + 1] ?? 0)) >>> 0;
    this.right = (l ^ (p[ROUNDS] ?? 0)) >>> 0;
  }

  /** Encrypts one 8-byte block, big-endian words. */
  encryptBlock(input: Uint8Array, output: Uint8Array): void {
    this.left = (((input[0] ?? 0) << 24) | ((input[1] ?? 0) << 16) | ((input[2] ?? 0) << 8) | (input[3] ?? 0)) >>> 0;
    this.right = (((input[4] ?? 0) << 24) | ((input[5] ?? 0) << 16) | ((input[6] ?? 0) << 8) | (input[7] ?? 0)) >>> 0;
    this.encryptWords();
    output[0] = this.left >>> 24;
    output[1] = (this.left >>> 16) & 0xff;
    output[2] = (this.left >>> 8) & 0xff;
    output[3] = this.left & 0xff;
    output[4] = this.right >>> 24;
    output[5] = (this.right >>> 16) & 0xff;
    output[6] = (this.right >>> 8) & 0xff;
    output[7] = this.right & 0xff;
  }
}

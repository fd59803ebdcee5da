import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cfb8Encryptor } from '../../../src/sink/nsca/cfb8.js';

/** Our CFB8 over AES-128 blocks must equal OpenSSL's own aes-128-cfb8. */
function aesCfb8(key: Buffer, iv: Buffer): Cfb8Encryptor {
  const ecb = createCipheriv('aes-128-ecb', key, null);
  ecb.setAutoPadding(false);
  return new Cfb8Encryptor((input, output) => ecb.update(input).copy(output), iv);
}

describe('8-bit CFB over a block cipher', () => {
  it('equals OpenSSL aes-128-cfb8, however the data is split across calls', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.array(fc.nat(300), { maxLength: 4 }),
        (data, cuts) => {
          const key = randomBytes(16);
          const iv = randomBytes(16);
          const expected = createCipheriv('aes-128-cfb8', key, iv).update(data);
          const ours = aesCfb8(key, iv);
          const points = [...new Set([0, ...cuts.map((c) => Math.min(c, data.length)), data.length])].sort(
            (a, b) => a - b,
          );
          const pieces: Buffer[] = [];
          for (let i = 1; i < points.length; i++)
            pieces.push(Buffer.from(ours.encrypt(Buffer.from(data.subarray(points[i - 1], points[i])))));
          expect(Buffer.concat(pieces).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('does not change the IV it was given', () => {
    const iv = Buffer.alloc(16, 7);
    aesCfb8(Buffer.alloc(16), iv).encrypt(Buffer.alloc(64));
    expect(iv.equals(Buffer.alloc(16, 7))).toBe(true);
  });
});

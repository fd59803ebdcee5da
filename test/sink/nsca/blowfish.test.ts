import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Blowfish } from '../../../src/sink/nsca/blowfish.js';
import { piFractionWords } from '../../../src/sink/nsca/pi-hex.js';

function encrypt(keyHex: string | Buffer, plainHex: string): string {
  const key = typeof keyHex === 'string' ? Buffer.from(keyHex, 'hex') : keyHex;
  const out = Buffer.alloc(8);
  new Blowfish(key).encryptBlock(Buffer.from(plainHex, 'hex'), out);
  return out.toString('hex');
}

describe("pi, the source of Blowfish's initial tables", () => {
  it('gives the known first P-array and S-box words, and the last S-box word', () => {
    const words = piFractionWords(1042);
    expect(words[0]).toBe(0x243f6a88);
    expect(words[1]).toBe(0x85a308d3);
    expect(words[17]).toBe(0x8979fb1b); // last P-array word
    expect(words[18]).toBe(0xd1310ba6); // S-box 1, first word
    expect(words[1041]).toBe(0x3ac372e6); // S-box 4, last word
  });
});

describe('Blowfish', () => {
  it("matches Eric Young's test vectors", () => {
    expect(encrypt('0000000000000000', '0000000000000000')).toBe('4ef997456198dd78');
    expect(encrypt('ffffffffffffffff', 'ffffffffffffffff')).toBe('51866fd5b85ecb8a');
  });

  it("matches libmcrypt's own self-test (56-byte key, as nsca uses it)", () => {
    const key = Buffer.from(Array.from({ length: 56 }, (_, j) => (j * 2 + 10) % 256));
    expect(encrypt(key, '0001020304050607')).toBe('c8c033bc57874d74');
  });

  it("matches OpenSSL's bf-ecb (legacy provider, in a child process) on random keys and blocks", () => {
    const cases = Array.from({ length: 8 }, (_, i) => ({
      key: randomBytes(i === 0 ? 56 : 1 + i * 7).toString('hex'),
      block: randomBytes(8).toString('hex'),
    }));
    const script = `
      const { createCipheriv } = require('node:crypto');
      const cases = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(cases.map(({ key, block }) => {
        const c = createCipheriv('bf-ecb', Buffer.from(key, 'hex'), null);
        c.setAutoPadding(false);
        return c.update(Buffer.from(block, 'hex')).toString('hex');
      })));`;
    const expected = JSON.parse(
      execFileSync(process.execPath, ['--openssl-legacy-provider', '-e', script, JSON.stringify(cases)], {
        encoding: 'utf8',
      }),
    ) as string[];
    expect(cases.map(({ key, block }) => encrypt(key, block))).toEqual(expected);
  });

  it('rejects an empty or over-long key', () => {
    expect(() => new Blowfish(Buffer.alloc(0))).toThrow(/1 to 56 bytes/);
    expect(() => new Blowfish(Buffer.alloc(57))).toThrow(/1 to 56 bytes/);
  });
});

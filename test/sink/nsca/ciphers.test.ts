import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENCRYPTION_METHODS } from '../../../src/sink/nsca/methods.js';
import {
  assertEncryptionMethod,
  createPacketCipher,
  legacyProviderLoaded,
  supportedEncryptionMethods,
} from '../../../src/sink/nsca/ciphers.js';
import { UnsupportedEncryptionError } from '../../../src/sink/nsca/errors.js';

const serverIv = Buffer.from(Array.from({ length: 128 }, (_, i) => (i * 37 + 11) & 0xff));
const packet = (seed: number) => Buffer.from(Array.from({ length: 4304 }, (_, i) => (i * seed + 5) & 0xff));

describe('method 1, XOR', () => {
  it('XORs the IV, then the password, over each byte, as computed by hand', () => {
    const iv = Buffer.alloc(128);
    iv[0] = 0x10;
    iv[1] = 0x20;
    iv[2] = 0x30;
    const plain = Buffer.alloc(4304);
    plain[1] = 0x03;
    plain[128] = 0x55; // the IV rotates back to iv[0] at 128
    const out = createPacketCipher(1, 'ab', iv).encrypt(Buffer.from(plain));
    expect(out[0]).toBe(0x00 ^ 0x10 ^ 0x61); // 'a'
    expect(out[1]).toBe(0x03 ^ 0x20 ^ 0x62); // 'b'
    expect(out[2]).toBe(0x00 ^ 0x30 ^ 0x61);
    expect(out[3]).toBe(0x00 ^ 0x00 ^ 0x62);
    expect(out[128]).toBe(0x55 ^ 0x10 ^ 0x61); // 128 is even: 'a' again
    expect(out[4303]).toBe(0x00 ^ iv[4303 % 128]! ^ 0x62);
  });

  it('starts again at offset 0 for every packet (no state)', () => {
    const cipher = createPacketCipher(1, 'secret', serverIv);
    const first = cipher.encrypt(packet(3));
    const second = cipher.encrypt(packet(3));
    expect(first.equals(second)).toBe(true);
  });

  it('with no password XORs the IV only, as send_nsca does', () => {
    const out = createPacketCipher(1, '', serverIv).encrypt(Buffer.alloc(4304));
    for (let i = 0; i < 4304; i += 97) expect(out[i]).toBe(serverIv[i % 128]);
  });

  it('method 0 leaves the packet alone', () => {
    expect(createPacketCipher(0, 'x', serverIv).encrypt(packet(7)).equals(packet(7))).toBe(true);
  });
});

describe('the CFB methods', () => {
  const cfbMethods = [2, 3, 8, 14, ...(legacyProviderLoaded() ? [4] : [])];

  it.each(cfbMethods)('method %i: the feedback state runs on across the packets of a connection', (method) => {
    const connection = createPacketCipher(method, 'pw', serverIv);
    const one = connection.encrypt(packet(3));
    const two = connection.encrypt(packet(5));
    const whole = createPacketCipher(method, 'pw', serverIv).encrypt(Buffer.concat([packet(3), packet(5)]));
    expect(Buffer.concat([one, two]).equals(whole)).toBe(true);
    // A fresh context would encrypt the second packet differently.
    expect(createPacketCipher(method, 'pw', serverIv).encrypt(packet(5)).equals(two)).toBe(false);
  });

  it.each(cfbMethods)('method %i: a different password or IV gives a different packet', (method) => {
    const base = createPacketCipher(method, 'pw', serverIv).encrypt(packet(3));
    expect(createPacketCipher(method, 'pW', serverIv).encrypt(packet(3)).equals(base)).toBe(false);
    const otherIv = Buffer.from(serverIv);
    otherIv[0] = (otherIv[0] ?? 0) ^ 1;
    expect(createPacketCipher(method, 'pw', otherIv).encrypt(packet(3)).equals(base)).toBe(false);
  });

  it('method 14 is AES-256-CFB8, key = password NUL-padded to 32 bytes, IV = first 16 server bytes', () => {
    const key = Buffer.alloc(32);
    key.write('secret');
    const expected = createCipheriv('aes-256-cfb8', key, serverIv.subarray(0, 16)).update(packet(3));
    expect(createPacketCipher(14, 'secret', serverIv).encrypt(packet(3)).equals(expected)).toBe(true);
  });

  it('method 14 cuts a password longer than 32 bytes, as libmcrypt does', () => {
    const long = 'x'.repeat(32);
    const a = createPacketCipher(14, `${long}AAAA`, serverIv).encrypt(packet(3));
    const b = createPacketCipher(14, `${long}BBBB`, serverIv).encrypt(packet(3));
    expect(a.equals(b)).toBe(true);
  });

  it('method 3 is 3DES-EDE-CFB8 with a 24-byte key and the first 8 server bytes', () => {
    const key = Buffer.alloc(24);
    key.write('a 3DES password');
    const expected = createCipheriv('des-ede3-cfb8', key, serverIv.subarray(0, 8)).update(packet(3));
    expect(createPacketCipher(3, 'a 3DES password', serverIv).encrypt(packet(3)).equals(expected)).toBe(true);
  });

  it('method 2 is single DES: 3DES with K|K|K reproduces the classic DES vector', () => {
    const k = Buffer.from('133457799bbcdff1', 'hex');
    const ecb = createCipheriv('des-ede3-ecb', Buffer.concat([k, k, k]), null);
    ecb.setAutoPadding(false);
    expect(ecb.update(Buffer.from('0123456789abcdef', 'hex')).toString('hex')).toBe('85e813540f0ab405');
    // and only the first 8 password bytes count
    const a = createPacketCipher(2, '12345678tail-one', serverIv).encrypt(packet(3));
    const b = createPacketCipher(2, '12345678tail-two', serverIv).encrypt(packet(3));
    expect(a.equals(b)).toBe(true);
  });

  it('the password ends at its first NUL, as a C string does', () => {
    const a = createPacketCipher(3, 'abc\0def', serverIv).encrypt(packet(3));
    const b = createPacketCipher(3, 'abc', serverIv).encrypt(packet(3));
    expect(a.equals(b)).toBe(true);
  });
});

describe('which methods this process supports', () => {
  it('always 0, 1, 2, 3, 8 and 14; 4 exactly when the legacy provider is loaded', () => {
    const expected = legacyProviderLoaded() ? [0, 1, 2, 3, 4, 8, 14] : [0, 1, 2, 3, 8, 14];
    expect(supportedEncryptionMethods()).toEqual(expected);
    expect(supportedEncryptionMethods().every((m) => (ENCRYPTION_METHODS as readonly number[]).includes(m))).toBe(true);
  });

  it('names an unimplemented method and lists the supported ones', () => {
    expect(() => {
      assertEncryptionMethod(9);
    }).toThrow(UnsupportedEncryptionError);
    expect(() => {
      assertEncryptionMethod(9);
    }).toThrow(
      /9 \(Twofish\) is not supported by wrapwatch; supported here: 0 \(none\), 1 \(XOR\), 2 \(DES\), 3 \(3DES\)/,
    );
    expect(() => createPacketCipher(15, 'pw', serverIv)).toThrow(/15 \(RIJNDAEL-192\)/);
  });

  it.runIf(!legacyProviderLoaded())('says that CAST-128 is missing because the legacy provider is not loaded', () => {
    let error: unknown;
    try {
      assertEncryptionMethod(4);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedEncryptionError);
    expect((error as UnsupportedEncryptionError).supported).toEqual([0, 1, 2, 3, 8, 14]);
    expect((error as Error).message).toMatch(
      /4 \(CAST-128\) is not available: .*legacy provider.*--openssl-legacy-provider.*missing: 4 \(CAST-128\)$/s,
    );
  });

  it('random data round-trips nowhere: encryption is not the identity for any CFB method', () => {
    const data = randomBytes(4304);
    for (const method of [2, 3, 8, 14])
      expect(createPacketCipher(method, 'pw', serverIv).encrypt(Buffer.from(data)).equals(data)).toBe(false);
  });
});

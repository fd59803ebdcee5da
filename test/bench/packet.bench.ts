/**
 * Encoding one NSCA result per encryption method: the 4304-byte packet (random printable
 * padding, CRC-32) and its encryption, state carried across packets as on one connection.
 * Method 4 (CAST-128) needs OpenSSL's legacy provider and runs only when it is loaded
 * (NODE_OPTIONS=--openssl-legacy-provider).
 *
 *   npx vitest bench --run test/bench/packet.bench.ts
 */
import { randomBytes } from 'node:crypto';
import { bench, describe } from 'vitest';
import { createPacketCipher, describeEncryptionMethod, legacyProviderLoaded } from '../../src/sink/nsca/ciphers.js';
import { prepareResult } from '../../src/sink/nsca/fields.js';
import { encodeDataPacket, zeroPadding } from '../../src/sink/nsca/packet.js';

const RESULT = prepareResult({
  host: 'gate',
  service: 'TCP Wrappers',
  status: 2,
  output: 'Denied sshd from 198.51.100.7 at 2026-11-21T15:39:32+00:00 | refusals=1 sources=1',
});
const IV = randomBytes(128);
const PASSWORD = 'bench password';
const METHODS = [0, 1, 2, 3, ...(legacyProviderLoaded() ? [4] : []), 8, 14];

describe('one result', () => {
  bench('prepareResult (field rules, UTF-8 bytes)', () => {
    prepareResult({
      host: 'gate',
      service: 'TCP Wrappers',
      status: 2,
      output: 'Denied sshd from 198.51.100.7 | refusals=1 sources=1',
    });
  });
  bench('encodeDataPacket, random printable padding', () => {
    encodeDataPacket(RESULT, 1_795_000_000);
  });
  bench('encodeDataPacket, zero padding (tests only)', () => {
    encodeDataPacket(RESULT, 1_795_000_000, zeroPadding);
  });
});

describe('encode + encrypt one packet, by method', () => {
  for (const method of METHODS) {
    const cipher = createPacketCipher(method, PASSWORD, IV);
    bench(describeEncryptionMethod(method), () => {
      cipher.encrypt(encodeDataPacket(RESULT, 1_795_000_000));
    });
  }
});

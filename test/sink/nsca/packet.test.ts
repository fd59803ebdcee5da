import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { prepareResult } from '../../../src/sink/nsca/fields.js';
import {
  DATA_PACKET_BYTES,
  decodeDataPacket,
  decodeInitPacket,
  encodeDataPacket,
  OFFSET,
  randomPrintablePadding,
  zeroPadding,
} from '../../../src/sink/nsca/packet.js';

/** nsca's own CRC-32 (utils.c): bit by bit, reflected, poly 0xEDB88320, init and final xor ~0. */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const result = prepareResult({
  host: 'firestorm',
  service: 'TCP Wrappers',
  status: 2,
  output: 'Denied sshd from 192.0.2.7',
});

describe('the data packet (version 3, 4304 bytes, big-endian)', () => {
  const packet = encodeDataPacket(result, 0x6740_1234, zeroPadding);

  it('puts each field at its offset', () => {
    expect(packet.length).toBe(DATA_PACKET_BYTES);
    expect([...packet.subarray(0, 4)]).toEqual([0x00, 0x03, 0x00, 0x00]); // version 3, struct padding
    expect(packet.readUInt32BE(8)).toBe(0x6740_1234);
    expect(packet.readInt16BE(12)).toBe(2);
    expect(packet.subarray(14, 14 + 10).toString('latin1')).toBe('firestorm\0');
    expect(packet.subarray(78, 78 + 13).toString('latin1')).toBe('TCP Wrappers\0');
    expect(packet.subarray(206, 206 + 27).toString('latin1')).toBe('Denied sshd from 192.0.2.7\0');
    expect(OFFSET).toEqual({ version: 0, crc32: 4, timestamp: 8, status: 12, host: 14, service: 78, output: 206 });
  });

  it('stores a negative return code as a two-byte big-endian int16', () => {
    const negative = encodeDataPacket({ ...result, status: -2 }, 0, zeroPadding);
    expect([...negative.subarray(12, 14)]).toEqual([0xff, 0xfe]);
  });

  it('stores the CRC-32 of the whole packet computed with the crc field zeroed', () => {
    const zeroed = Buffer.from(packet);
    zeroed.writeUInt32BE(0, 4);
    expect(packet.readUInt32BE(4)).toBe(referenceCrc32(zeroed));
  });

  it('uses the standard CRC-32 (check value of "123456789" is 0xCBF43926)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(referenceCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('matches a vector computed independently (Python zlib.crc32 over the same layout)', () => {
    // python3: p = bytearray(4304); pack_into('>h', p, 0, 3); pack_into('>I', p, 8, 0x67401234);
    // pack_into('>h', p, 12, 2); p[14:23] = b'firestorm'; p[78:90] = b'TCP Wrappers';
    // p[206:232] = b'Denied sshd from 192.0.2.7'; hex(zlib.crc32(bytes(p)))
    expect(packet.readUInt32BE(4)).toBe(0xb14b3764);
  });

  it('decodes back to what was encoded, with a valid CRC', () => {
    const decoded = decodeDataPacket(packet);
    expect(decoded).toMatchObject({ version: 3, crcValid: true, timestamp: 0x6740_1234, status: 2 });
    expect(decoded.host.toString()).toBe('firestorm');
    expect(decoded.service.toString()).toBe('TCP Wrappers');
    expect(decoded.output.toString()).toBe('Denied sshd from 192.0.2.7');
  });

  it('a flipped bit anywhere, padding included, breaks the CRC', () => {
    for (const offset of [0, 3, 9, 13, 100, 2000, DATA_PACKET_BYTES - 1]) {
      const damaged = Buffer.from(packet);
      damaged[offset] = (damaged[offset] ?? 0) ^ 0x01;
      expect(decodeDataPacket(damaged).crcValid, `offset ${offset}`).toBe(false);
    }
  });

  it('pads like send_nsca: random bytes from "0" to "w" around the fields', () => {
    const a = encodeDataPacket(result, 1, randomPrintablePadding);
    const b = encodeDataPacket(result, 1, randomPrintablePadding);
    expect(a.equals(b)).toBe(false);
    expect(decodeDataPacket(a).crcValid).toBe(true);
    const padding = [...a.subarray(2, 4), ...a.subarray(206 + 27), ...a.subarray(14 + 10, 78)];
    for (const byte of padding) {
      expect(byte).toBeGreaterThanOrEqual(0x30);
      expect(byte).toBeLessThanOrEqual(0x77);
    }
  });
});

describe('the init packet', () => {
  it('is 128 IV bytes then the server time, big-endian', () => {
    const bytes = Buffer.alloc(132);
    for (let i = 0; i < 128; i++) bytes[i] = i;
    bytes.writeUInt32BE(1_732_000_000, 128);
    const init = decodeInitPacket(bytes);
    expect(init.timestamp).toBe(1_732_000_000);
    expect([...init.iv]).toEqual(Array.from({ length: 128 }, (_, i) => i));
  });

  it('must be exactly 132 bytes', () => {
    expect(() => decodeInitPacket(Buffer.alloc(131))).toThrow(/132 bytes, not 131/);
  });
});

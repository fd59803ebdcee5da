import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv6, parseAddress, prefixKey, samePrefix } from '../../src/parse/address.js';

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    ['::1', '::1', 6],
    ['::', '::', 6],
    ['::ffff:127.0.0.1', '127.0.0.1', 4],
    ['::FFFF:1.2.3.4', '1.2.3.4', 4],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4', 4],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['fe80::1%eth0', 'fe80::1%eth0', 6],
    ['fe80:0:0:0:0:0:0:1%enp0s31f6', 'fe80::1%enp0s31f6', 6],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304', 6],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304', 6],
  ])('%s is %s (IPv%d)', (text, canonical, family) => {
    expect(parseAddress(text)).toMatchObject({ address: canonical, family });
  });

  it.each([
    '127.0',
    '127.0.0.256',
    '127.000.0.1',
    '127.0.0.01',
    '127.0.0.1x',
    '1.2.3.4.5',
    '',
    'unknown',
    'localhost',
    '3ffe:ffff:100:200::212:34ff:fe12:3456', // the HOWTO's nine-group example
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':::',
    '12345::',
    'g::1',
    '::1%',
    '::1%eth 0',
    '::1%e\nth0',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    '[::1]',
    '1.2.3.4:22',
    ' 1.2.3.4',
    '1.2.3.4 ',
  ])('rejects %j', (text) => {
    expect(parseAddress(text)).toBeNull();
  });

  it('keeps the IPv4 bytes of a mapped address, so rules match it as IPv4', () => {
    expect([...(parseAddress('::ffff:10.1.2.3')?.bytes ?? [])]).toEqual([10, 1, 2, 3]);
  });
});

const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 });
/** Mostly-zero groups, so "::" runs of every length and position get exercised. */
const sparseIPv6 = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((groups) => {
    const bytes = new Uint8Array(16);
    groups.forEach((g, i) => {
      bytes[i * 2] = g >> 8;
      bytes[i * 2 + 1] = g & 0xff;
    });
    return bytes;
  });
const isMapped = (b: Uint8Array) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

describe('address normalisation (properties)', () => {
  it('canonical IPv6 text parses back to the same bytes and is a fixed point', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, sparseIPv6), (bytes) => {
        fc.pre(!isMapped(bytes));
        const text = formatIPv6(bytes);
        const parsed = parseAddress(text);
        expect(parsed?.family).toBe(6);
        expect([...(parsed?.bytes ?? [])]).toEqual([...bytes]);
        expect(parsed?.address).toBe(text);
        expect(isIP(text)).toBe(6);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the WHATWG URL serialiser, which implements RFC 5952 compression', () => {
    fc.assert(
      fc.property(fc.oneof(ipv6Bytes, sparseIPv6), (bytes) => {
        fc.pre(!isMapped(bytes));
        const groups = Array.from({ length: 8 }, (_, i) =>
          ((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!).toString(16).padStart(4, '0').toUpperCase(),
        );
        const full = groups.join(':');
        expect(parseAddress(full)?.address).toBe(new URL(`http://[${full}]/`).hostname.slice(1, -1));
      }),
      { numRuns: 2000 },
    );
  });

  it('any IPv4 address, plain or v4-mapped, normalises to its dotted quad', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.constantFrom('', '::ffff:', '::FFFF:', '0:0:0:0:0:ffff:'), (v4, prefix) => {
        expect(parseAddress(prefix + v4)).toMatchObject({ address: v4, family: 4 });
      }),
    );
  });

  it('accepts exactly what node:net accepts as an IP (fast-check generated IPv6 forms included)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 }), fc.ipV4Extended()), (text) => {
        // One deliberate difference: a dotted quad with a leading zero ("010") is octal to
        // inet_aton, so it is refused here although node:net accepts it.
        const quad = text.split(':').pop() ?? '';
        const leadingZeroQuad = quad.includes('.') && /(^|\.)0\d/.test(quad);
        expect(parseAddress(text) !== null).toBe(isIP(text) !== 0 && !leadingZeroQuad);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('prefix grouping', () => {
  it('groups IPv6 sources by /64 and keeps IPv4 whole', () => {
    const a = parseAddress('2001:db8:1:2:aaaa::1')!;
    const b = parseAddress('2001:db8:1:2:bbbb::2')!;
    const c = parseAddress('2001:db8:1:3::1')!;
    expect(prefixKey(a, 64)).toBe('2001:db8:1:2::/64');
    expect(prefixKey(a, 64)).toBe(prefixKey(b, 64));
    expect(prefixKey(c, 64)).not.toBe(prefixKey(a, 64));
    expect(prefixKey(parseAddress('10.0.0.1')!, 64)).toBe('10.0.0.1');
    expect(samePrefix(a.bytes, c.bytes, 48)).toBe(true);
    expect(samePrefix(a.bytes, c.bytes, 64)).toBe(false);
    expect(samePrefix(parseAddress('192.168.1.7')!.bytes, parseAddress('192.168.0.0')!.bytes, 16)).toBe(true);
    expect(samePrefix(parseAddress('192.168.1.7')!.bytes, parseAddress('192.170.0.0')!.bytes, 15)).toBe(false);
  });
});

/**
 * Address normalisation: every refusal's peer address goes through parseAddress.
 *
 *   npx vitest bench --run test/bench/address.bench.ts
 */
import { bench, describe } from 'vitest';
import { parseAddress } from '../../src/parse/address.js';

const CASES: Record<string, string> = {
  IPv4: '198.51.100.7',
  'IPv4-mapped IPv6 -> IPv4': '::ffff:198.51.100.7',
  'IPv6 compressed': '2001:db8:7:1::5',
  'IPv6 fully expanded (socat)': '2001:0db8:0000:0001:0000:0000:0000:0001',
  'IPv6 with zone': 'fe80::1%eth0',
  'invalid (leading zero)': '127.000.0.1',
  'invalid (nine groups)': '3ffe:ffff:100:200::212:34ff:fe12:3456',
};

describe('parseAddress', () => {
  for (const [name, text] of Object.entries(CASES)) {
    bench(name, () => {
      parseAddress(text);
    });
  }
});

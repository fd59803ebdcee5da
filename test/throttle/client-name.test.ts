import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import { clientHostName } from '../../src/throttle/client-name.js';
import { Harness } from './throttle-harness.js';

describe('the client name hosts_access saw', () => {
  it('is the text after the last "@", unless that is an address', () => {
    expect(clientHostName('evil.example')).toBe('evil.example');
    expect(clientHostName('alice@ip6-localhost')).toBe('ip6-localhost');
    expect(clientHostName('root@6.6.6.6@127.0.0.2')).toBeNull();
    expect(clientHostName('x)(6.6.6.6@::1')).toBeNull();
    expect(clientHostName('#033[31mred@127.0.0.2')).toBeNull();
    expect(clientHostName('127.0.0.1')).toBeNull();
    expect(clientHostName('unknown')).toBeNull();
    expect(clientHostName(null)).toBeNull();
  });

  it('cannot be spoofed through the ident user in real captured lines', async () => {
    const h = await Harness.create({ rule: [{ clients: '6.6.6.6, .example.com', service: 'Spoofed' }] });
    const parser = new LineParser({ timeZone: 'UTC', now: () => h.clock.now() });
    for (const line of [
      'Nov 21 15:42:34 vm in.wraptest[17416]: refused connect from root@6.6.6.6@::1 (::1)',
      'Nov 21 15:43:51 vm in.wraptest[26753]: refused connect from x)(6.6.6.6@127.0.0.2 (127.0.0.2)',
      'Nov 21 15:43:54 vm in.wraptest[26809]: refused connect from 6.6.6.6@127.0.0.2 (127.0.0.2)',
    ]) {
      const parsed = parser.parseLine(line);
      if (parsed.kind !== 'refusal') throw new Error(`the parser did not read: ${line}`);
      for (const alert of h.throttle.offer({ seq: ++h.seq, event: parsed.event }))
        expect(alert.service).toBe('TCP Wrappers');
    }
    expect(h.throttle.stats().results.first).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { SourceTable, type Destination, type NewEntry } from '../../src/throttle/source-table.js';

const nagios: Destination = { host: 'monitor', service: 'wrapwatch', status: 2 };

function source(fields: Partial<NewEntry> = {}): NewEntry {
  return {
    destination: nagios,
    windowMs: 60_000,
    daemon: 'sshd',
    service: 'sshd',
    addressKey: '198.51.100.7',
    address: '198.51.100.7',
    client: null,
    host: 'web1',
    ...fields,
  };
}

/** The same text as a new string object, as the parser hands out for every line. */
const fresh = (text: string) => ` ${text}`.slice(1);

describe('SourceTable lookups by key fields', () => {
  it('finds an entry by equal field values, not by the same string objects', () => {
    const table = new SourceTable();
    const entry = table.create(source(), 0);
    const found = table.find(
      { host: fresh('monitor'), service: fresh('wrapwatch'), status: 2 },
      fresh('web1'),
      fresh('sshd'),
      fresh('sshd'),
      fresh('198.51.100.7'),
    );
    expect(found).toBe(entry);
  });

  it('tells apart the sources sharing an address by every other key field', () => {
    const table = new SourceTable();
    const variants: Partial<NewEntry>[] = [
      {},
      { daemon: 'in.telnetd' },
      { service: 'telnet' },
      { host: 'web2' },
      { destination: { ...nagios, host: 'other-monitor' } },
      { destination: { ...nagios, service: 'tcp-wrappers' } },
    ];
    const entries = variants.map((v) => table.create(source(v), 0));
    expect(table.size).toBe(variants.length);
    variants.forEach((v, i) => {
      const s = source(v);
      expect(table.find(s.destination, s.host, s.daemon, s.service, s.addressKey)).toBe(entries[i]);
    });
    expect(table.find(nagios, 'web3', 'sshd', 'sshd', '198.51.100.7')).toBeUndefined();
    expect(table.find(nagios, 'web1', 'sshd', 'sshd', '198.51.100.8')).toBeUndefined();
  });

  it('forgets a removed entry and keeps the others sharing its address', () => {
    const table = new SourceTable();
    const first = table.create(source(), 0);
    const second = table.create(source({ daemon: 'vsftpd', service: 'vsftpd' }), 0);
    table.remove(first);
    table.remove(first); // a second removal changes nothing
    expect(table.size).toBe(1);
    expect(table.find(nagios, 'web1', 'sshd', 'sshd', '198.51.100.7')).toBeUndefined();
    expect(table.find(nagios, 'web1', 'vsftpd', 'vsftpd', '198.51.100.7')).toBe(second);
    table.remove(second);
    expect(table.size).toBe(0);
    expect(table.find(nagios, 'web1', 'vsftpd', 'vsftpd', '198.51.100.7')).toBeUndefined();
  });

  it('ranks the busiest entries across addresses', () => {
    const table = new SourceTable();
    const counts = [3, 7, 1, 5];
    counts.forEach((count, i) => {
      const entry = table.create(source({ addressKey: `198.51.100.${i}`, address: `198.51.100.${i}` }), 0);
      const event = {
        kind: 'libwrap' as const,
        time: new Date(0),
        utcOffsetMinutes: 0,
        host: 'web1',
        daemon: 'sshd',
        pid: 1,
        service: 'sshd',
        peer: { kind: 'client-address' as const, address: entry.address, family: 4 as const },
        client: null,
        count,
      };
      table.addPending(entry, i + 1, event, count, entry.address);
    });
    expect(table.busiest(2).map((e) => e.windowRefusals)).toEqual([7, 5]);
    expect(table.pendingRefusals).toBe(16);
  });
});

import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/parse/address.js';
import {
  compileClientList,
  compileDaemonList,
  PatternError,
  type DaemonSubject,
  type HostSubject,
} from '../../src/throttle/patterns.js';

/** A client as the throttle builds it: the logged name (lowercased) and the trusted address. */
const client = (address: string, name: string | null = null): HostSubject => ({ name, address: parseAddress(address) });
const daemon = (tag: string, service: string | null = tag, server = 'web1'): DaemonSubject => ({
  daemon: tag,
  service,
  server: { name: parseAddress(server) === null ? server : null, address: parseAddress(server) },
});

const matches = (pattern: string, subject: HostSubject) => compileClientList(pattern)(subject);
const daemonMatches = (pattern: string, subject: DaemonSubject) => compileDaemonList(pattern)(subject);
const problem = (pattern: string, compile: (text: string) => unknown = compileClientList) => {
  try {
    compile(pattern);
  } catch (err) {
    if (err instanceof PatternError) return err.message;
    throw err;
  }
  return null;
};

describe('client patterns', () => {
  it('ALL matches everyone', () => {
    expect(matches('ALL', client('192.0.2.1'))).toBe(true);
    expect(matches('all', client('::1'))).toBe(true); // libwrap compares keywords case-insensitively
  });

  it('an address matches that address only, IPv6 in any spelling', () => {
    expect(matches('192.0.2.1', client('192.0.2.1'))).toBe(true);
    expect(matches('192.0.2.1', client('192.0.2.10'))).toBe(false);
    expect(matches('[2001:DB8:0:0::1]', client('2001:db8::1'))).toBe(true);
    expect(matches('2001:db8::1', client('2001:db8::2'))).toBe(false);
    expect(matches('[::ffff:192.0.2.1]', client('192.0.2.1'))).toBe(true);
    expect(matches('[fe80::1]', client('fe80::1%eth0'))).toBe(true);
  });

  it('n.n.n. matches an address prefix, at octet boundaries', () => {
    expect(matches('192.168.', client('192.168.7.9'))).toBe(true);
    expect(matches('192.168.1.', client('192.168.10.5'))).toBe(false);
    expect(matches('192.168.', client('::1'))).toBe(false);
  });

  it('n.n.n.n/m.m.m.m and CIDR match networks', () => {
    expect(matches('10.0.0.0/255.0.0.0', client('10.200.3.4'))).toBe(true);
    expect(matches('10.0.0.0/255.0.0.0', client('11.0.0.1'))).toBe(false);
    expect(matches('172.16.0.0/12', client('172.31.255.255'))).toBe(true);
    expect(matches('172.16.0.0/12', client('172.32.0.0'))).toBe(false);
    expect(matches('0.0.0.0/0', client('203.0.113.9'))).toBe(true);
    expect(matches('0.0.0.0/0', client('2001:db8::1'))).toBe(false); // families never mix
  });

  it('[v6]/prefix matches IPv6 networks, brackets optional', () => {
    expect(matches('[2001:db8::]/32', client('2001:db8:ffff::1'))).toBe(true);
    expect(matches('[2001:db8::]/32', client('2001:db9::1'))).toBe(false);
    expect(matches('2001:db8:1:2::/64', client('2001:db8:1:2:3:4:5:6'))).toBe(true);
    expect(matches('[::ffff:10.0.0.0]/104', client('10.1.2.3'))).toBe(true);
  });

  it('.domain matches the end of the logged name, and only the name', () => {
    expect(matches('.example.com', client('192.0.2.1', 'host.example.com'))).toBe(true);
    expect(matches('.example.com', client('192.0.2.1', 'a.b.example.com'))).toBe(true);
    expect(matches('.Example.COM', client('192.0.2.1', 'host.example.com'))).toBe(true);
    expect(matches('.example.com', client('192.0.2.1', 'example.com'))).toBe(false); // as libwrap: strictly a suffix
    expect(matches('.example.com', client('192.0.2.1', 'evilexample.com'))).toBe(false);
    expect(matches('.example.com', client('192.0.2.1'))).toBe(false);
  });

  it('a host name matches the logged name exactly, ignoring case, never the address', () => {
    expect(matches('gateway.example.com', client('192.0.2.1', 'gateway.example.com'))).toBe(true);
    expect(matches('Gateway.Example.Com', client('192.0.2.1', 'gateway.example.com'))).toBe(true);
    expect(matches('gateway.example.com', client('192.0.2.1', 'gateway.example.com.evil.net'))).toBe(false);
    expect(matches('localhost', client('127.0.0.1'))).toBe(false);
  });

  it('wildcards match a name or the address text', () => {
    expect(matches('*.example.com', client('192.0.2.1', 'a.example.com'))).toBe(true);
    expect(matches('web?.example.com', client('192.0.2.1', 'web12.example.com'))).toBe(false);
    expect(matches('192.0.2.*', client('192.0.2.77'))).toBe(true);
  });

  it('KNOWN, UNKNOWN and LOCAL look at whether the line names the client', () => {
    expect(matches('KNOWN', client('192.0.2.1', 'host.example.com'))).toBe(true);
    expect(matches('KNOWN', client('192.0.2.1'))).toBe(false);
    expect(matches('UNKNOWN', client('192.0.2.1'))).toBe(true);
    expect(matches('LOCAL', client('127.0.0.1', 'localhost'))).toBe(true);
    expect(matches('LOCAL', client('192.0.2.1', 'host.example.com'))).toBe(false);
    expect(matches('LOCAL', client('192.0.2.1'))).toBe(false);
  });

  it('takes lists separated by commas and blanks', () => {
    const list = '10.0.0.0/8,192.168.0.0/16 [2001:db8::]/32 ,\t.corp.example';
    expect(matches(list, client('192.168.1.1'))).toBe(true);
    expect(matches(list, client('2001:db8::5'))).toBe(true);
    expect(matches(list, client('203.0.113.1', 'pc.corp.example'))).toBe(true);
    expect(matches(list, client('203.0.113.1'))).toBe(false);
  });

  it('EXCEPT nests to the right: a EXCEPT b EXCEPT c = a EXCEPT (b EXCEPT c)', () => {
    const list = '10.0.0.0/8 EXCEPT 10.1.0.0/16 EXCEPT 10.1.2.3';
    expect(matches(list, client('10.9.9.9'))).toBe(true);
    expect(matches(list, client('10.1.9.9'))).toBe(false);
    expect(matches(list, client('10.1.2.3'))).toBe(true);
    expect(matches(list, client('11.0.0.1'))).toBe(false);
    expect(matches('ALL except 192.0.2.1', client('192.0.2.1'))).toBe(false);
  });
});

describe('daemon patterns', () => {
  it('match the syslog tag or the service, case-insensitively', () => {
    expect(daemonMatches('sshd', daemon('sshd'))).toBe(true);
    expect(daemonMatches('SSHD', daemon('sshd'))).toBe(true);
    expect(daemonMatches('daytime-stream', daemon('xinetd', 'daytime-stream'))).toBe(true);
    expect(daemonMatches('xinetd', daemon('xinetd', 'daytime-stream'))).toBe(true);
    expect(daemonMatches('sshd', daemon('socat', null))).toBe(false);
  });

  it('ALL EXCEPT, lists and wildcards', () => {
    expect(daemonMatches('ALL EXCEPT sshd', daemon('sshd'))).toBe(false);
    expect(daemonMatches('ALL EXCEPT sshd', daemon('in.telnetd'))).toBe(true);
    expect(daemonMatches('in.telnetd, in.ftpd sshd', daemon('in.ftpd'))).toBe(true);
    expect(daemonMatches('in.*', daemon('in.ftpd'))).toBe(true);
    expect(daemonMatches('in.*', daemon('sshd'))).toBe(false);
  });

  it('daemon@host matches the host that refused (central syslog)', () => {
    expect(daemonMatches('sshd@web1', daemon('sshd', 'sshd', 'web1'))).toBe(true);
    expect(daemonMatches('sshd@web1', daemon('sshd', 'sshd', 'web2'))).toBe(false);
    expect(daemonMatches('ALL@.dmz.example', daemon('sshd', 'sshd', 'www.dmz.example'))).toBe(true);
    expect(daemonMatches('sshd@192.0.2.0/24', daemon('sshd', 'sshd', '192.0.2.8'))).toBe(true);
  });
});

describe('invalid patterns are config errors that say why', () => {
  it.each([
    ['10.0.0.0/33', '"10.0.0.0/33" is not a valid pattern: the prefix length must be 0-32'],
    [
      '10.0.0.1/8',
      '"10.0.0.1/8" is not a valid pattern: host bits are set after the first 8 (did you mean 10.0.0.0/8?)',
    ],
    [
      '10.0.0.0/255.0.255.0',
      '"10.0.0.0/255.0.255.0" is not a valid pattern: the netmask 255.0.255.0 is not contiguous',
    ],
    ['300.1.2.3', 'is not an IPv4 address'],
    ['127.000.0.1', 'is not an IPv4 address'],
    ['[2001:db8::]/129', 'the prefix length must be 0-128'],
    ['[2001:db8::1]/32', 'host bits are set after the first 32 (did you mean [2001:db8::]/32?)'],
    ['[2001:db8::1', 'an IPv6 pattern is [address] or [address]/length'],
    ['[fe80::1%eth0]', 'zone ids'],
    ['2001:db8:::1', 'is not an IPv6 address'],
    ['PARANOID', 'double-reverse'],
    ['@trusted', 'NIS netgroups'],
    ['root@host.example', 'user@host patterns are not supported'],
    ['/etc/wrapwatch.allow', 'file patterns'],
    ['host_with$dollar', 'not an address, network, .domain or host name'],
    ['foo.', 'takes digits only'],
    ['1.2.3.4.', 'an address prefix is one to three numbers'],
    ['.', 'a .domain pattern needs a domain name'],
    ['EXCEPT 10.0.0.1', 'EXCEPT needs a pattern before it'],
    ['ALL EXCEPT', 'EXCEPT needs a pattern after it'],
    [' , ', 'it is empty'],
    ['ALL EXCEPT 10.0.0.0/99', '"10.0.0.0/99" is not a valid pattern'],
  ])('client pattern %j', (pattern, message) => {
    expect(problem(pattern)).toContain(message);
  });

  it.each([
    ['KNOWN', 'KNOWN is a client keyword'],
    ['ssh d$', 'a daemon name has letters, digits'],
    ['sshd@', 'needs a host pattern'],
    ['@web1', 'needs a daemon name'],
    ['sshd@10.0.0.0/40', 'the prefix length must be 0-32'],
  ])('daemon pattern %j', (pattern, message) => {
    expect(problem(pattern, compileDaemonList)).toContain(message);
  });
});

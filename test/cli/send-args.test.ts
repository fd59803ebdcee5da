import { describe, expect, it } from 'vitest';
import { parseDelimiter, parseSendArgs, SendUsageError } from '../../src/cli/send-args.js';

const args = (argv: string[]) => {
  const parsed = parseSendArgs(argv);
  if (parsed.kind !== 'send') throw new Error(`expected send, got ${parsed.kind}`);
  return parsed.args;
};

describe("send_nsca's command line", () => {
  it('has send_nsca defaults', () => {
    expect(args(['-H', 'nagios'])).toEqual({
      host: 'nagios',
      port: 5667,
      timeoutSeconds: 10,
      fieldDelimiter: 9,
      setDelimiter: null,
      configFile: null,
      quiet: false,
    });
  });

  it('reads -to as one flag, not -t -o, and the other flags', () => {
    expect(
      args(['-H', 'h', '-p', '15667', '-to', '30', '-c', '/etc/x.cfg', '-d', ',', '-ds', '0x1e', '--quiet']),
    ).toEqual({
      host: 'h',
      port: 15667,
      timeoutSeconds: 30,
      fieldDelimiter: 0x2c,
      setDelimiter: 0x1e,
      configFile: '/etc/x.cfg',
      quiet: true,
    });
  });

  it('takes the server as the first argument (the old syntax)', () => {
    expect(args(['10.0.0.5', '-p', '5668']).host).toBe('10.0.0.5');
  });

  it('accepts a fractional per-step timeout', () => {
    expect(args(['-H', 'h', '-to', '0.5']).timeoutSeconds).toBe(0.5);
  });

  it.each([
    [[], /-H <host_address> is required/],
    [['-H'], /-H needs a value/],
    [['-H', 'h', '-p', 'x'], /-p "x": a port is a number from 1 to 65535/],
    [['-H', 'h', '-p', '70000'], /a port is a number/],
    [['-H', 'h', '-to', '0'], /-to "0": a timeout is a number of seconds greater than 0/],
    [['-H', 'h', '-x'], /unknown option "-x"/],
    [['-H', 'h', 'extra'], /unknown option "extra"/],
    [['-H', 'h', '--legacy-2-7-mode'], /not supported/],
    [['-H', 'h', '-d', '0x17'], /must differ/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseSendArgs(argv)).toThrow(SendUsageError);
    expect(() => parseSendArgs(argv)).toThrow(message);
  });

  it('answers --help and --version', () => {
    expect(parseSendArgs(['--help']).kind).toBe('help');
    expect(parseSendArgs(['-H', 'h', '-h']).kind).toBe('help');
    expect(parseSendArgs(['-V']).kind).toBe('version');
  });
});

describe('delimiters, as send_nsca reads them', () => {
  it.each([
    [',', 0x2c],
    ['9', 0x39],
    ['0x09', 0x09],
    ['011', 0o11],
    ['124', 124],
    ['\t', 0x09],
  ])('%j is %i', (arg, code) => {
    expect(parseDelimiter('-d', arg)).toBe(code);
  });

  it.each(['', 'ab', '0x', '0x100', '-1', 'é'])('refuses %j', (arg) => {
    expect(() => parseDelimiter('-d', arg)).toThrow(SendUsageError);
  });
});

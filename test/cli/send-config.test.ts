import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadSendNscaConfig,
  parseSendNscaConfig,
  SEND_NSCA_DEFAULTS,
  SendConfigError,
} from '../../src/cli/send-config.js';
import { legacyProviderLoaded } from '../../src/sink/nsca/ciphers.js';

const parse = (text: string) => parseSendNscaConfig(Buffer.from(text, 'latin1'), 'send_nsca.cfg');

describe('send_nsca.cfg', () => {
  it("reads Debian's sample file: comments, blank lines, encryption_method", () => {
    const config = parse('####\n# Sample\n\n#password=\n\nencryption_method=1');
    expect(config.encryptionMethod).toBe(1);
    expect(config.password.length).toBe(0);
  });

  it('takes the value raw up to the end of the line, as send_nsca and nsca do', () => {
    expect(parse('password= spaced out \nencryption_method=3\n').password.toString('latin1')).toBe(' spaced out ');
    expect(parse('password==starts with equals\n').password.toString('latin1')).toBe('=starts with equals');
    expect(parse('password=a=b\n').password.toString('latin1')).toBe('a=b');
  });

  it('keeps the exact bytes of a password that is not UTF-8', () => {
    expect([...parse('password=caf\xe9\n').password]).toEqual([0x63, 0x61, 0x66, 0xe9]);
  });

  it('matches option names by substring, like send_nsca', () => {
    expect(parse('my_password=x\n').password.toString()).toBe('x');
    expect(parse('legacy_2_7_mode=no\nencryption_method=14\n').encryptionMethod).toBe(14);
  });

  it.each([
    ['password=\n', /line 1: no value/],
    ['encryption_method\n', /line 1: no value/],
    ['encryption_method=abc\n', /encryption_method "abc" is not a number/],
    [
      '\n#\nencryption_method=5\n',
      /line 3: encryption_method 5 \(CAST-256\) is not supported; supported: 0 \(none\), 1 \(XOR\)/,
    ],
    ['server=x\n', /unknown option "server"/],
    ['legacy_2_7_mode=yes\n', /not supported/],
  ])('refuses %j, naming the line', (text, message) => {
    expect(() => parse(text)).toThrow(SendConfigError);
    expect(() => parse(text)).toThrow(message);
  });
});

describe('which file is read', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapwatch-sendcfg-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("without -c: the default file when it exists, else send_nsca's built-in XOR and no password", async () => {
    const file = join(dir, 'send_nsca.cfg');
    expect(await loadSendNscaConfig(null, file)).toBe(SEND_NSCA_DEFAULTS);
    expect(SEND_NSCA_DEFAULTS.encryptionMethod).toBe(1);
    await writeFile(file, 'encryption_method=3\npassword=pw\n');
    expect(await loadSendNscaConfig(null, file)).toMatchObject({ encryptionMethod: 3, source: file });
  });

  it('a -c file that cannot be read is an error', async () => {
    await expect(loadSendNscaConfig(join(dir, 'missing.cfg'))).rejects.toThrow(
      /cannot read the config file .*missing\.cfg: ENOENT/,
    );
  });

  it.runIf(!legacyProviderLoaded())(
    'method 4 without the legacy provider is refused when the file is loaded',
    async () => {
      const file = join(dir, 'cast.cfg');
      await writeFile(file, 'encryption_method=4\n');
      await expect(loadSendNscaConfig(file)).rejects.toThrow(/4 \(CAST-128\) is not available: .*legacy provider/);
    },
  );
});

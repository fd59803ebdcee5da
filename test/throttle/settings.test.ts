import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { configFromObject } from '../../src/config/load.js';
import { throttleConfigProblems } from '../../src/throttle/settings.js';
import { config } from './throttle-harness.js';

/** The problems the real config loader reports, as `path: message` lines. */
async function loaderProblems(doc: unknown): Promise<string[]> {
  try {
    await configFromObject(doc, 'wrapwatch.toml', { hostname: 'monitor' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('throttle settings in the config loader', () => {
  it('names the rule and field of an invalid pattern', async () => {
    expect(await loaderProblems({ rule: [{ clients: '10.0.0.0/33' }] })).toEqual([
      'rule[0].clients: "10.0.0.0/33" is not a valid pattern: the prefix length must be 0-32',
    ]);
  });

  it('lists every problem at once', async () => {
    const problems = await loaderProblems({
      report: { host_name: 'nagios host', service: 'TCP;Wrappers', output: 'Denied {daemon} | x' },
      rule: [
        { daemons: 'sshd', clients: 'ALL' },
        { daemons: 'KNOWN', clients: '[2001:db8::1]/32 EXCEPT', service: 'a\u0007b', host_name: '{host};x' },
      ],
    });
    expect(problems).toEqual([
      'report.output: must not contain "|": wrapwatch appends the perfdata after it itself',
      expect.stringMatching(
        /^report\.host_name: is not a usable Nagios host name: at most 63 bytes, no blanks, no ";"/,
      ),
      'report.service: must not contain ";": Nagios would read the rest as another field',
      'rule[1].daemons: "KNOWN" is not a valid pattern: KNOWN is a client keyword; a daemon list takes ALL and daemon or service names',
      expect.stringMatching(/^rule\[1\]\.clients: "\[2001:db8::1\]\/32" is not a valid pattern: host bits are set/),
      expect.stringMatching(/^rule\[1\]\.host_name: is not a usable Nagios host name/),
      'rule[1].service: must not contain control characters',
    ]);
  });

  it('accepts the documented examples', async () => {
    const cfg = await config({
      report: { host_name: '{host}' },
      rule: [
        { daemons: 'ALL EXCEPT sshd', clients: '192.168.0.0/255.255.0.0, [2001:db8::]/32, 10.0.0.0/8', ignore: true },
        { daemons: 'sshd', clients: 'ALL', status: 2, service: 'TCP Wrappers ssh', window_seconds: 300 },
      ],
    });
    expect(throttleConfigProblems(cfg, NSCA_FIELD_LIMITS)).toEqual([]);
  });
});

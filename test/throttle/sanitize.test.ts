import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import { describe, expect, it } from 'vitest';
import { nagiosHostName, sanitizeField, serviceProblem } from '../../src/throttle/sanitize.js';
import { truncateUtf8 } from '../../src/text/utf8.js';
import { Harness } from './throttle-harness.js';

const PRINTABLE_NO_PIPE_NO_BACKSLASH = /^[\x20-\x5b\x5d-\x7b\x7d\x7e]*$/;

describe('sanitising substituted values', () => {
  it.each([
    ['line\nbreak', 'line?break'],
    ['cr\rlf', 'cr?lf'],
    ['pipe | starts perfdata', 'pipe / starts perfdata'],
    ['back\\slash\\n', 'back/slash/n'],
    ['\x1b[31mred', '?[31mred'],
    ['#033[31mred', '#033[31mred'], // rsyslog's own escape is plain text already
    ['nul\x00del\x7f', 'nul?del?'],
    ['c1\u0085\u009b', 'c1??'],
    ['tab\there', 'tab here'],
    ['bidi\u202eevil', 'bidi?evil'],
    ['emoji 😀', 'emoji ?'],
    ['semi;colon', 'semi;colon'],
  ])('%j becomes %j', (input, output) => {
    expect(sanitizeField(input)).toBe(output);
  });

  it('cuts very long values', () => {
    const cut = sanitizeField('a'.repeat(10_000));
    expect(cut).toHaveLength(200);
    expect(cut.endsWith('...')).toBe(true);
    expect(sanitizeField('b'.repeat(200))).toBe('b'.repeat(200));
  });
});

describe('Nagios host names', () => {
  it('accepts real host names and addresses', () => {
    for (const name of ['web1', 'web1.example.com', '192.0.2.1', '2001:db8::1', 'host_with-dash'])
      expect(nagiosHostName(name, NSCA_FIELD_LIMITS)).toBe(name);
  });

  it('refuses, never repairs, anything NSCA or Nagios would misread', () => {
    for (const name of [
      '',
      'h;x',
      'a b',
      'tab\there',
      'new\nline',
      'x'.repeat(64),
      'pipe|x',
      'quote"x',
      'ümlaut',
      'back\\slash',
      'paren(x)',
    ]) {
      expect(nagiosHostName(name, NSCA_FIELD_LIMITS)).toBeNull();
    }
    expect(nagiosHostName('x'.repeat(63), NSCA_FIELD_LIMITS)).toBe('x'.repeat(63));
  });

  it('service descriptions: no ";" or control characters, at most 127 bytes', () => {
    expect(serviceProblem('TCP Wrappers', NSCA_FIELD_LIMITS)).toBeNull();
    expect(serviceProblem('a;b', NSCA_FIELD_LIMITS)).toMatch(/";"/);
    expect(serviceProblem('a\nb', NSCA_FIELD_LIMITS)).toMatch(/control/);
    expect(serviceProblem('é'.repeat(64), NSCA_FIELD_LIMITS)).toMatch(/127 bytes/);
  });

  it('cuts UTF-8 text on character boundaries', () => {
    expect(truncateUtf8('abc', 10)).toBe('abc');
    expect(truncateUtf8('aé€😀', 6)).toBe('aé€');
    expect(truncateUtf8('aé€😀', 5)).toBe('aé');
    expect(Buffer.byteLength(truncateUtf8('€'.repeat(2000), 4095))).toBe(4095);
  });
});

describe('hostile text end to end', () => {
  const hostile = [
    'evil\nPROCESS_SERVICE_CHECK_RESULT;h;s;0;forged',
    'x | fake=1',
    '\x1b[31mred\x1b[0m',
    '#033[31mred@127.0.0.2',
    'a\\nb',
    'y'.repeat(5000),
  ];

  it('no client text can add a line, perfdata or an escape to the output', async () => {
    const h = await Harness.create({
      report: { output: '{client} on {host} via {daemon}/{service}' },
      throttle: { max_results_per_minute: 1000 },
    });
    hostile.forEach((client, i) => h.offer({ client, address: `192.0.2.${i}`, host: 'web1', daemon: 'sshd' }));
    h.offer({ client: 'late\nclient', address: '192.0.2.0' });
    h.flush();
    expect(h.alerts.length).toBe(hostile.length + 1);
    for (const alert of h.alerts) {
      const [text, perf, ...more] = alert.output.split(' | ');
      expect(more).toEqual([]);
      expect(text).toMatch(PRINTABLE_NO_PIPE_NO_BACKSLASH);
      expect(perf).toMatch(/^refusals=\d+ sources=\d+$/);
      expect(Buffer.byteLength(alert.output)).toBeLessThanOrEqual(4095);
    }
  });

  it('a hostile syslog host never becomes the Nagios host: the fallback is used and counted', async () => {
    const h = await Harness.create({ report: { host_name: '{host}' } }, { fallbackHost: 'central-syslog' });
    expect(h.offer({ host: 'web1', address: '192.0.2.1' })[0]?.host).toBe('web1');
    const hostile = ['h;x', 'a\nb', 'x'.repeat(64), '', 'pipe|x'];
    hostile.forEach((host, i) => {
      expect(h.offer({ host, address: `192.0.2.${10 + i}` }).map((a) => a.host)).toEqual(['central-syslog']);
    });
    expect(h.throttle.stats().hostFallbacks).toBe(5);
    // The text still shows what the line said, sanitised.
    const shown = await Harness.create(
      { report: { host_name: '{host}', output: 'Denied {daemon} on {host}' } },
      { fallbackHost: 'central-syslog' },
    );
    expect(shown.offer({ host: 'a\nb|c' })[0]?.output).toMatch(/^Denied sshd on a\?b\/c at /);
  });

  it('output longer than NSCA carries is cut before the perfdata, never inside it', async () => {
    const h = await Harness.create({ report: { output: `${'long text '.repeat(500)}{daemon}` } });
    const [alert] = h.offer();
    expect(Buffer.byteLength(alert?.output ?? '')).toBe(4095);
    expect(alert?.output.endsWith(' | refusals=1 sources=1')).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import { clientAddressOf } from '../helpers/corpus.js';

const GENERATOR = fileURLToPath(new URL('./generate-log.mjs', import.meta.url));
const run = promisify(execFile);

interface Expected {
  readonly lines: number;
  readonly refusalLines: number;
  readonly refusalEvents: number;
  readonly nearMisses: number;
  readonly forgeries: number;
  readonly byKind: Record<string, number>;
  readonly byFamily: Record<string, number>;
}

/** The benchmarks judge every tool by the generator's truth file: it must be right, and stable. */
describe('generate-log.mjs', () => {
  let dir: string;
  const generate = async (name: string, seed: string, shape = 'auth') => {
    const out = join(dir, name);
    await run(process.execPath, [GENERATOR, '--out', out, '--lines', '20000', '--seed', seed, '--shape', shape]);
    return out;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapwatch-generate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the same bytes for the same seed, and other bytes for another seed or shape', async () => {
    const [a, b, c, d, e] = await Promise.all([
      generate('a.log', '7'),
      generate('b.log', '7'),
      generate('c.log', '8'),
      generate('d.log', '7', 'central'),
      generate('e.log', '7', 'central'),
    ]);
    const [textA, textB, textC, textD, textE] = await Promise.all([
      readFile(a),
      readFile(b),
      readFile(c),
      readFile(d),
      readFile(e),
    ]);
    expect(textA.equals(textB)).toBe(true);
    expect(textA.equals(textC)).toBe(false);
    expect(textD.equals(textE)).toBe(true);
    expect(textA.equals(textD)).toBe(false);
    expect(await readFile(`${a}.truth.tsv`, 'utf8')).toBe(await readFile(`${b}.truth.tsv`, 'utf8'));
  });

  it.each(['auth', 'central'])(
    'lists exactly the refusals the parser finds, with their kind, normalised address and count (%s shape)',
    async (shape) => {
      const log = await generate(`truth-${shape}.log`, '42', shape);
      const lines = (await readFile(log, 'utf8')).split('\n');
      lines.pop();
      const parser = new LineParser({ timeZone: 'UTC', now: () => Date.UTC(2026, 10, 21, 12) });
      const found: string[] = [];
      lines.forEach((line, i) => {
        const result = parser.parseLine(line);
        if (result.kind === 'refusal')
          found.push(
            `${i + 1}\t${result.event.kind}\t${result.event.peer.kind === 'server-address' ? result.event.peer.serverAddress : clientAddressOf(result.event)}\t${result.event.count}`,
          );
      });
      const truth = (await readFile(`${log}.truth.tsv`, 'utf8')).trim().split('\n');
      expect(found).toEqual(truth);

      const expected = JSON.parse(await readFile(`${log}.expected.json`, 'utf8')) as Expected;
      expect(expected.lines).toBe(lines.length);
      expect(expected.refusalLines).toBe(truth.length);
      const events = truth.reduce((sum, row) => sum + Number(row.split('\t')[3]), 0);
      expect(expected.refusalEvents).toBe(events);
      expect(Object.values(expected.byKind).reduce((a, b) => a + b, 0)).toBe(events);
      expect((expected.byFamily['4'] ?? 0) + (expected.byFamily['6'] ?? 0)).toBe(events);
    },
  );

  /** Every refusal kind, IPv6 sources, near misses and forgeries: what both shapes must hold. */
  const expectEveryKindOfLine = (expected: Expected): void => {
    expect(Object.keys(expected.byKind).sort()).toEqual([
      'inetd',
      'libwrap',
      'rpcbind',
      'socat',
      'stunnel',
      'tftpd',
      'xinetd-fail',
      'xinetd-libwrap',
    ]);
    expect(expected.byFamily['6']).toBeGreaterThan(0);
    expect(expected.nearMisses).toBeGreaterThan(0);
    expect(expected.forgeries).toBeGreaterThan(0);
  };

  it('covers every refusal kind, both families, v4-mapped and IPv6 sources, near misses and forgeries', async () => {
    const log = await generate('coverage.log', '42');
    const text = await readFile(log, 'utf8');
    const expected = JSON.parse(await readFile(`${log}.expected.json`, 'utf8')) as Expected;
    expectEveryKindOfLine(expected);
    expect(text).toMatch(/from=::ffff:\d+\.\d+\.\d+\.\d+\n/); // xinetd's view of an IPv4 client on an IPv6 socket
    expect(text).toMatch(/AF=10 \[2001:0db8:[0-9a-f:]{29}\]:\d+ due to tcpwrapper option/); // socat's expanded IPv6
    expect(text).toMatch(/^<\d+>1 \S+ gate /m); // RFC 5424
    expect(text).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d gate /m); // traditional
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+ gate /m); // RSYSLOG_FileFormat
    expect(text).toMatch(/message repeated \d+ times: \[ /);
    for (const tag of ['sudo', 'CRON', 'systemd-logind', 'pam_unix(sshd:auth)']) expect(text).toContain(tag);
  });

  it('central shape: other hosts and zones, mostly RFC 3339 headers, other daemons, longer lines, every refusal kind', async () => {
    const log = await generate('central.log', '43', 'central');
    const text = await readFile(log, 'utf8');
    const lines = text.split('\n');
    lines.pop();
    const expected = JSON.parse(await readFile(`${log}.expected.json`, 'utf8')) as Expected;
    expectEveryKindOfLine(expected);
    const rfc3339 = lines.filter((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d) /.test(l)).length;
    expect(rfc3339 / lines.length).toBeGreaterThan(0.7);
    expect(text).toMatch(/^\S+-05:00 /m);
    expect(text).toMatch(/^\S+\+05:30 /m);
    expect(text).toMatch(/^\S+Z /m);
    expect(text).toMatch(/^<\d+>1 \S+ \S+\.example\.org /m);
    expect(
      new Set(lines.map((l) => /^(?:<\d+>1 )?(?:\S+|[A-Z][a-z]{2} [ \d]\d \S+) (\S+) /.exec(l)?.[1])).size,
    ).toBeGreaterThan(30);
    for (const tag of ['kernel:', 'postfix/smtpd[', 'dovecot:', 'nginx[', 'named[', 'chronyd['])
      expect(text).toContain(tag);
    // Chatter that passes the phrase prefilter without being a refusal.
    expect(text).toMatch(/postfix\/smtp\[\d+\]: connect to \S+: Connection refused\n/);
    const meanLength = lines.reduce((sum, l) => sum + l.length, 0) / lines.length;
    expect(meanLength).toBeGreaterThan(160);
  });
});

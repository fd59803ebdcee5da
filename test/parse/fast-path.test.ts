import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalAddress, parseAddress } from '../../src/parse/address.js';
import { LineParser, type ParseResult } from '../../src/parse/parser.js';
import { loadCorpus } from '../helpers/corpus.js';
import { mulberry32 } from '../bench/lib/mulberry32.mjs';

/**
 * Everything the parser says about a line, the reason a line with a refusal phrase is not
 * reported included, pinned over a large deterministic input: both generated logs, the corpus
 * and the sample log in five zones at awkward instants, 200,000 mutated lines, and seeded random
 * addresses. Each input's results are tallied by kind and reason and hashed in chunks, and the
 * snapshot (__snapshots__/fast-path.test.ts.snap) holds what they were when issue 15 replaced the
 * header patterns with hand-written scanners: then, these digests were shown equal, line by line,
 * to those of the pattern-based parser it replaced (commit fe1fb32).
 *
 * A change meant to alter what the parser reports (or a change to the generator or the corpus)
 * changes the tallies and digests: read the tally diff, check the lines of the chunk named, then
 * record the new ones with `npx vitest run --update test/parse/fast-path.test.ts`. The zones'
 * rules come from Node's ICU data: a Node whose data changed them for 2026-2028 changes the
 * digests of the zoned runs too.
 */

const GENERATOR = fileURLToPath(new URL('../bench/generate-log.mjs', import.meta.url));
const SAMPLE_LOG = fileURLToPath(new URL('../../fixtures/sample-auth.log', import.meta.url));
const GENERATED_LINES = 200_000;
/** Lines per digest: a difference is pinned to a chunk this long. */
const CHUNK_LINES = 20_000;
const run = promisify(execFile);

/** Everything a result says, -0 and the event's own keys included. */
function describeResult(result: ParseResult): string {
  if (result.kind === 'none') return 'none';
  if (result.kind === 'not-reported') return `not-reported ${result.reason}`;
  const e = result.event;
  const offset = Object.is(e.utcOffsetMinutes, -0) ? '-0' : e.utcOffsetMinutes;
  return JSON.stringify([
    Object.keys(e),
    e.kind,
    e.time.getTime(),
    offset,
    e.host,
    e.daemon,
    e.pid,
    e.service,
    e.peer,
    e.client,
    e.count,
  ]);
}

/** Digests of the described results, one per chunk, named by the chunk's first line number. */
function digests(described: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at < described.length; at += CHUNK_LINES) {
    const hash = createHash('sha256');
    for (const text of described.slice(at, at + CHUNK_LINES)) hash.update(`${text}\n`);
    out[`lines ${at + 1}-${Math.min(described.length, at + CHUNK_LINES)}`] = hash.digest('hex').slice(0, 24);
  }
  return out;
}

interface Results {
  readonly lines: number;
  /** Result counts by kind or not-reported reason, sorted by name. */
  readonly tally: Record<string, number>;
  readonly digests: Record<string, string>;
}

function resultsOf(lines: readonly string[], timeZone: string, nowMs: number): Results {
  const parser = new LineParser({ timeZone, now: () => nowMs });
  const described: string[] = [];
  const tally = new Map<string, number>();
  for (const line of lines) {
    const result = parser.parseLine(line);
    const key = result.kind === 'not-reported' ? result.reason : result.kind;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    described.push(describeResult(result));
  }
  return {
    lines: lines.length,
    tally: Object.fromEntries([...tally].sort(([a], [b]) => a.localeCompare(b))),
    digests: digests(described),
  };
}

/** Characters the header grammars turn on (RFC 5424 structured data too), non-ASCII blanks (\s) included. */
const ALPHABET = '0123456789 :[]-+.TZ<>"=\\JFMASONDabceglnoprtuvy\t\u00a0\u2028\u3000\ufeff\u1680x@%()';

function mutate(line: string, next: () => number): string {
  let text = line;
  const edits = 1 + Math.floor(next() * 3);
  for (let k = 0; k < edits; k++) {
    // Most edits land in the header, where the scanners replaced the patterns; the rest
    // anywhere, the message (addresses are read by new code too) included.
    const span = next() < 0.6 ? Math.min(text.length, 72) : text.length;
    const at = Math.floor(next() * (span + 1));
    const char = ALPHABET[Math.floor(next() * ALPHABET.length)] ?? ' ';
    const op = next();
    if (op < 0.4) text = text.slice(0, at) + char + text.slice(at + 1);
    else if (op < 0.7) text = text.slice(0, at) + char + text.slice(at);
    else if (op < 0.9) text = text.slice(0, at) + text.slice(at + 1);
    else text = text.slice(0, at) + text.slice(at, at + 8) + text.slice(at);
  }
  return text;
}

/** RFC 5424 shapes the logs hold few of: structured data with escapes, nil fields, a BOM. */
const RFC5424_SEEDS = [
  '<38>1 2026-11-21T15:39:32.040831+00:00 vm sshd 11138 ID47 [ex@32473 iut="3" src="A\\"p]p"][x@1 a="b"]  refused connect from 1.2.3.4 (1.2.3.4)',
  '<38>1 - vm sshd 11138 - - \uFEFFrefused connect from ::ffff:1.2.3.4 (::ffff:1.2.3.4)',
  '<30>1 2026-11-21T15:39:32Z vm - 6811 - - refused connect from 10.0.0.1 (10.0.0.1)',
  '<30>1 2026-11-21T15:39:32-05:00 vm xinetd - - [a@1 b="\\]"] FAIL: ssh libwrap from=2001:db8::1',
];

const NOW = Date.parse('2026-11-30T04:00:00Z');
/** Instants where the year a traditional header belongs to turns. */
const AWKWARD_NOWS = ['2027-01-01T00:00:05Z', '2026-12-31T23:59:50Z', '2028-03-01T00:00:00Z', '2026-06-01T12:00:00Z'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

describe('the parser gives the results pinned by the snapshot, line by line', () => {
  let dir: string;
  const generated = new Map<string, string[]>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wrapwatch-fast-path-'));
    for (const [shape, seed] of [
      ['auth', '42'],
      ['central', '43'],
    ] as const) {
      const out = join(dir, `${shape}.log`);
      await run(process.execPath, [
        GENERATOR,
        '--out',
        out,
        '--lines',
        String(GENERATED_LINES),
        '--seed',
        seed,
        '--shape',
        shape,
      ]);
      generated.set(shape, (await readFile(out, 'utf8')).split('\n').slice(0, -1));
    }
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['auth', 'central'])('over every line of the generated %s log, reason counts included', (shape) => {
    const lines = generated.get(shape) ?? [];
    expect(lines.length).toBe(GENERATED_LINES);
    const results = resultsOf(lines, 'UTC', NOW);
    expect(results).toMatchSnapshot();
    // The input holds what it is about: refusals and every kind of line turned away.
    expect(results.tally.refusal).toBeGreaterThan(GENERATED_LINES / 20);
    expect(results.tally['not-a-refusal']).toBeGreaterThan(0);
    expect(results.tally['invalid-address']).toBeGreaterThan(0);
    expect(results.tally['missing-pid']).toBeGreaterThan(0);
  });

  it('over the generated logs in other zones and at the turn of a year', () => {
    const lines = [
      ...(generated.get('auth') ?? []).slice(0, 20_000),
      ...(generated.get('central') ?? []).slice(0, 20_000),
    ];
    const byZoneAndNow: Record<string, Results> = {};
    for (const zone of ZONES)
      for (const now of AWKWARD_NOWS) byZoneAndNow[`${zone} at ${now}`] = resultsOf(lines, zone, Date.parse(now));
    expect(byZoneAndNow).toMatchSnapshot();
  });

  it('over the labelled corpus and the sample log', async () => {
    const sample = (await readFile(SAMPLE_LOG, 'utf8')).split('\n');
    const lines = [...RFC5424_SEEDS, ...loadCorpus().map((c) => c.line), ...sample];
    const byZone: Record<string, Results> = {};
    for (const zone of ZONES) byZone[zone] = resultsOf(lines, zone, NOW);
    expect(byZone).toMatchSnapshot();
  });

  it('over 200,000 mutations of real and generated lines (headers bent, blanks of every kind)', () => {
    const next = mulberry32(15);
    const seeds = [
      ...RFC5424_SEEDS,
      ...loadCorpus().map((c) => c.line),
      ...(generated.get('auth') ?? []).filter((_, i) => i % 997 === 0),
      ...(generated.get('central') ?? []).filter((_, i) => i % 997 === 0),
    ];
    const mutants: string[] = [];
    for (let i = 0; i < 200_000; i++) mutants.push(mutate(seeds[i % seeds.length] ?? '', next));
    const results = resultsOf(mutants, 'Europe/Berlin', NOW);
    expect(results).toMatchSnapshot();
    // Bent headers must have been met, and so must intact ones.
    expect(results.tally['unknown-header']).toBeGreaterThan(10_000);
    expect(results.tally.refusal).toBeGreaterThan(5_000);
    const byNow: Record<string, Results> = {};
    for (const now of AWKWARD_NOWS)
      byNow[now] = resultsOf(mutants.slice(0, 20_000), 'America/New_York', Date.parse(now));
    expect(byNow).toMatchSnapshot();
  });
});

describe('addresses are read as when the snapshot was taken', () => {
  /** What both readers say of a text; canonicalAddress must agree with parseAddress. */
  const readingsOf = (texts: readonly string[]): string[] =>
    texts.map((text) => {
      const parsed = parseAddress(text);
      expect(canonicalAddress(text), text).toBe(parsed?.address ?? null);
      return JSON.stringify([text, parsed]);
    });

  it('for random text over the characters of addresses', () => {
    const texts = fc
      .sample(fc.array(fc.constantFrom(...'0123456789abcdefABCDEF:::..%xg '.split('')), { maxLength: 48 }), {
        numRuns: 20_000,
        seed: 15,
      })
      .map((chars) => chars.join(''));
    const readings = readingsOf(texts);
    expect(readings.filter((r) => !r.endsWith(',null]')).length).toBeGreaterThan(100);
    expect(digests(readings)).toMatchSnapshot();
  });

  it('for addresses built from groups, compressed anywhere, with dotted quads and zones', () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const built = fc
      .tuple(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.integer({ min: -1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.constantFrom('', '%eth0', '%', '%a b', '%en.p0_s-1'),
        fc.boolean(),
      )
      .map(([groups, gapAt, gapLength, quad, zone, padded]) => {
        const texts = groups.map((g) => (padded ? g.toString(16).padStart(4, '0') : g.toString(16)));
        if (quad) texts.splice(6, 2, `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`);
        let text = texts.join(':');
        if (gapAt >= 0) {
          const head = texts.slice(0, gapAt).join(':');
          const tail = texts.slice(Math.min(texts.length, gapAt + gapLength)).join(':');
          text = `${head}::${tail}`;
        }
        return [text + zone, `::ffff:${text}`];
      });
    const texts = fc.sample(built, { numRuns: 20_000, seed: 15 }).flat();
    const readings = readingsOf(texts);
    expect(readings.filter((r) => !r.endsWith(',null]')).length).toBeGreaterThan(5_000);
    expect(digests(readings)).toMatchSnapshot();
  });
});

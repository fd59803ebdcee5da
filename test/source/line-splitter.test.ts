import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMessage, LineSplitter, type SplitLine } from '../../src/source/line-splitter.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** What a line should come out as, computed the slow obvious way. */
function reference(raw: Buffer, end: number, max: number): { text?: string; defect?: string; end: number } {
  if (raw.length > max) return { end, defect: 'too-long' };
  const body = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, -1) : raw;

  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(body.toString('latin1'))) return { end, defect: 'binary' };
  if (!isUtf8(body)) return { end, defect: 'invalid-utf8' };
  return { end, text: body.toString('utf8') };
}

function referenceLines(data: Buffer, max: number, startOffset = 0) {
  const out: { text?: string; defect?: string; end: number }[] = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(0x0a, start);
    if (nl < 0) break;
    out.push(reference(data.subarray(start, nl), startOffset + nl + 1, max));
    start = nl + 1;
  }
  return { lines: out, rest: data.subarray(start) };
}

const strip = (lines: SplitLine[]) =>
  lines.map((l) => (l.defect === undefined ? { end: l.end, text: l.text } : { end: l.end, defect: l.defect }));

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    chunks.push(data.subarray(last, p));
    last = p;
  }
  chunks.push(data.subarray(last));
  return chunks;
}

/** Bytes that make every case likely: newlines, CR, TAB, NUL, ESC, UTF-8 lead and continuation bytes. */
const interestingByte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constant(0x0a) },
  { weight: 1, arbitrary: fc.constantFrom(0x0d, 0x09, 0x00, 0x1b, 0x7f) },
  { weight: 1, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0x80) },
);

describe('LineSplitter', () => {
  it('gives every complete line with the offset just past its newline, however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(interestingByte, { maxLength: 400 }).map((a) => Buffer.from(a)),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.nat({ max: 10_000 }),
        (data, cuts, max, startOffset) => {
          const splitter = new LineSplitter(max, { startOffset });
          const got: SplitLine[] = [];
          for (const chunk of splitAt(data, cuts)) got.push(...splitter.push(chunk));
          const want = referenceLines(data, max, startOffset);
          expect(strip(got)).toEqual(want.lines);
          expect(got.map((l) => l.lineNumber)).toEqual(want.lines.map((_, i) => i + 1));
          const lastEnd = want.lines.at(-1)?.end ?? startOffset;
          expect(splitter.offset).toBe(lastEnd);
          expect(splitter.pendingBytes).toBe(want.rest.length);
          expect(splitter.holdsPartialLine).toBe(want.rest.length > 0);
          // At a rotation's end the held bytes become one last line.
          const flushed = splitter.flushPartial();
          if (want.rest.length === 0) expect(flushed).toBeNull();
          else expect(strip(flushed ? [flushed] : [])).toEqual([reference(want.rest, lastEnd + want.rest.length, max)]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('with `keep`, emits every line holding a phrase and every defective line, and still counts the rest in the offset', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'refused connect',
            'session opened',
            'FAIL: x',
            'noise',
            '\u00e9t\u00e9',
            '\u0000bin',
            'x'.repeat(30),
          ),
          { maxLength: 30 },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (texts, cuts) => {
          const data = Buffer.from(texts.map((t) => `${t}\n`).join(''), 'utf8');
          const keep = ['refus', 'FAIL: '];
          const splitter = new LineSplitter(20, { keep });
          const got: SplitLine[] = [];
          for (const chunk of splitAt(data, cuts)) got.push(...splitter.push(chunk));
          const all = referenceLines(data, 20).lines;
          const byEnd = new Map(strip(got).map((l) => [l.end, l]));
          for (const line of all) {
            const mustCome = line.defect !== undefined || keep.some((k) => line.text?.includes(k));
            if (mustCome) expect(byEnd.get(line.end)).toEqual(line);
          }
          // Whatever does come out is exactly what the reference says that line is.
          for (const l of strip(got)) expect(all).toContainEqual(l);
          expect(splitter.offset).toBe(data.length);
          expect(splitter.lineCount).toBe(texts.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with `keep` over plain ASCII, finds phrases split anywhere, numbers lines right, and always emits the last complete line of a push', () => {
    const phrases = ['refus', 'FAIL: ', 'REFUSED', 'unauthorized host'];
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom(
            'sshd[1]: refused connect from a (1.2.3.4)',
            'rpcbind[2]: request from unauthorized host',
            'stunnel: REFUSED by libwrap',
            'xinetd[3]: FAIL: telnet',
            'fus',
            'zed host',
            'unauthorized hos',
            'REFUSE',
            'FAIL:x',
            'session opened',
            'x'.repeat(30),
            '',
          ),
          { maxLength: 40 },
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        (texts, cuts) => {
          const data = Buffer.from(texts.map((t) => `${t}\n`).join(''), 'latin1');
          const splitter = new LineSplitter(25, { keep: phrases });
          const got: SplitLine[] = [];
          const chunks = splitAt(data, cuts);
          for (const chunk of chunks) {
            const before = splitter.offset;
            const lines = splitter.push(chunk);
            got.push(...lines);
            // A push that completes a line hands out at least its last one.
            if (splitter.offset > before) expect(lines.at(-1)?.end).toBe(splitter.offset);
          }
          const all = referenceLines(data, 25).lines;
          const numbered = all.map((line, i) => ({ ...line, lineNumber: i + 1 }));
          for (const line of got)
            expect(numbered[line.lineNumber - 1]).toEqual(
              line.defect === undefined
                ? { end: line.end, text: line.text, lineNumber: line.lineNumber }
                : { end: line.end, defect: line.defect, lineNumber: line.lineNumber },
            );
          const emitted = new Set(got.map((l) => l.lineNumber));
          numbered.forEach((line, i) => {
            if (line.defect !== undefined || phrases.some((p) => line.text?.includes(p)))
              expect(emitted.has(i + 1)).toBe(true);
          });
          expect(splitter.lineCount).toBe(texts.length);
          expect(splitter.offset).toBe(data.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('drops an over-long line as it arrives, without holding it, and reports it once its newline comes', () => {
    const splitter = new LineSplitter(256);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 160; i++) expect(splitter.push(chunk)).toEqual([]);
    expect(splitter.pendingBytes).toBe(160 * 64 * 1024);
    const lines = splitter.push(bytes('tail\nnext\n'));
    expect(strip(lines)).toEqual([
      { end: 160 * 64 * 1024 + 5, defect: 'too-long' },
      { end: 160 * 64 * 1024 + 10, text: 'next' },
    ]);
  });

  it('classifies NUL bytes and escapes as binary, bad UTF-8 as invalid-utf8, and strips one trailing CR', () => {
    const splitter = new LineSplitter(1000);
    const lines = splitter.push(
      Buffer.concat([
        bytes('nul\u0000byte\n'),
        bytes('esc \u001b[31mred\n'),
        Buffer.from([0x61, 0xff, 0x0a]),
        bytes('crlf\r\n'),
        bytes('caf\u00e9\n'),
        bytes('tab\there\n'),
      ]),
    );
    expect(strip(lines).map((l) => l.defect ?? l.text)).toEqual([
      'binary',
      'binary',
      'invalid-utf8',
      'crlf',
      'caf\u00e9',
      'tab\there',
    ]);
  });

  it('decodes a UTF-8 character split across two reads as one character', () => {
    const splitter = new LineSplitter(100);
    const euro = bytes('\u20ac');
    expect(splitter.push(Buffer.concat([bytes('price '), euro.subarray(0, 2)]))).toEqual([]);
    expect(strip(splitter.push(Buffer.concat([euro.subarray(2), bytes('5\n')])))).toEqual([
      { end: 11, text: 'price \u20ac5' },
    ]);
  });

  it('reset() starts over at an offset and drops the held partial line', () => {
    const splitter = new LineSplitter(100);
    splitter.push(bytes('old partial'));
    splitter.reset(0);
    expect(splitter.holdsPartialLine).toBe(false);
    expect(strip(splitter.push(bytes('new\n')))).toEqual([{ end: 4, text: 'new' }]);
  });

  it('skipToNextNewline() treats the bytes up to the next newline as the tail of an over-long line', () => {
    const splitter = new LineSplitter(100, { startOffset: 5000 });
    splitter.skipToNextNewline();
    expect(strip(splitter.push(bytes('ail of a long line\nwhole\n')))).toEqual([
      { end: 5019, defect: 'too-long' },
      { end: 5025, text: 'whole' },
    ]);
  });
});

describe('classifyMessage (journal messages)', () => {
  it('applies the line rules to a whole message, and calls a multi-line message binary', () => {
    expect(classifyMessage(bytes('refused connect from 192.0.2.1 (192.0.2.1)'), 100)).toEqual({
      text: 'refused connect from 192.0.2.1 (192.0.2.1)',
    });
    expect(classifyMessage(bytes('x'.repeat(101)), 100)).toEqual({ defect: 'too-long' });
    expect(classifyMessage(bytes('two\nlines'), 100)).toEqual({ defect: 'binary' });
    expect(classifyMessage(Uint8Array.from([0x41, 0xff]), 100)).toEqual({ defect: 'invalid-utf8' });
    expect(classifyMessage(bytes('caf\u00e9'), 100)).toEqual({ text: 'caf\u00e9' });
  });
});

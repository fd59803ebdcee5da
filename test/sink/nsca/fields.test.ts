import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidResultError } from '../../../src/sink/nsca/errors.js';
import {
  findFieldProblem,
  prepareRawResult,
  prepareResult,
  TRUNCATION_MARKER,
  truncateOutput,
} from '../../../src/sink/nsca/fields.js';

const ok = { host: 'firestorm', service: 'TCP Wrappers', status: 2, output: 'fine' };
const fatal = new TextDecoder('utf-8', { fatal: true });

describe('truncating the output', () => {
  it('leaves an output of 4095 bytes alone', () => {
    const output = Buffer.alloc(4095, 'a');
    expect(truncateOutput(output)).toEqual({ bytes: output, truncated: false });
  });

  it('cuts 4096 bytes to 4095 ending in the marker', () => {
    const cut = truncateOutput(Buffer.alloc(4096, 'a'));
    expect(cut.truncated).toBe(true);
    expect(cut.bytes.length).toBe(4095);
    expect(cut.bytes.toString().endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('never splits a multi-byte character: a 4-byte emoji straddling the cut goes whole', () => {
    const keep = 4095 - TRUNCATION_MARKER.length; // 4081
    const output = Buffer.concat([Buffer.alloc(keep - 2, 'a'), Buffer.from('😀'), Buffer.alloc(100, 'b')]);
    const cut = truncateOutput(output);
    expect(cut.bytes.toString()).toBe(`${'a'.repeat(keep - 2)}${TRUNCATION_MARKER}`);
  });

  it('for any text: at most 4095 bytes, valid UTF-8, the longest whole-character prefix plus the marker', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1000, maxLength: 3000 }), (text) => {
        const bytes = Buffer.from(text);
        const cut = truncateOutput(bytes);
        if (bytes.length <= 4095) {
          expect(cut.truncated).toBe(false);
          return;
        }
        expect(cut.bytes.length).toBeLessThanOrEqual(4095);
        const decoded = fatal.decode(cut.bytes);
        expect(decoded.endsWith(TRUNCATION_MARKER)).toBe(true);
        const kept = decoded.slice(0, -TRUNCATION_MARKER.length);
        expect(text.startsWith(kept)).toBe(true);
        const nextCodePoint = text.codePointAt(kept.length);
        const next = nextCodePoint === undefined ? '' : String.fromCodePoint(nextCodePoint);
        expect(Buffer.byteLength(kept) + Buffer.byteLength(next)).toBeGreaterThan(4095 - TRUNCATION_MARKER.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the field rules', () => {
  it('accepts a service result and a host result (empty service)', () => {
    expect(prepareResult(ok).host.toString()).toBe('firestorm');
    expect(prepareResult({ ...ok, service: '' }).service.length).toBe(0);
  });

  it.each([
    ['host', { ...ok, host: 'a;b' }, /host contains ";" \(at byte 2\)/],
    ['service', { ...ok, service: 'TCP;x' }, /service contains ";"/],
    ['host', { ...ok, host: 'a\nb' }, /host contains a newline/],
    ['service', { ...ok, service: 'a\rb' }, /service contains a carriage return/],
    ['service', { ...ok, service: 'a\tb' }, /service contains a tab/],
    ['host', { ...ok, host: 'a\u007fb' }, /control character 0x7f/],
    ['host', { ...ok, host: '' }, /host is empty/],
    ['host', { ...ok, host: 'é'.repeat(32) }, /host is 64 bytes long; NSCA carries at most 63/],
    ['service', { ...ok, service: 's'.repeat(128) }, /service is 128 bytes long; NSCA carries at most 127/],
    ['status', { ...ok, status: 40000 }, /status 40000 is not a whole number/],
    ['status', { ...ok, status: 1.5 }, /status 1.5/],
    ['output', { ...ok, output: 'a\0b' }, /output contains a NUL byte/],
  ])('refuses a bad %s: %j', (field, result, message) => {
    let error: unknown;
    try {
      prepareResult(result, 4);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidResultError);
    expect((error as InvalidResultError).field).toBe(field);
    expect((error as InvalidResultError).index).toBe(4);
    expect((error as Error).message).toMatch(/^result 5: /);
    expect((error as Error).message).toMatch(message);
  });

  it('allows the longest names that fit, and newlines, tabs and "|" in the output', () => {
    expect(
      findFieldProblem({
        host: Buffer.alloc(63, 'h'),
        service: Buffer.alloc(127, 's'),
        status: 0,
        output: Buffer.from('a\nb\tc|perf=1'),
      }),
    ).toBeNull();
  });

  it('keeps bytes that are not UTF-8 as they are', () => {
    const latin1 = Buffer.from([0x54, 0xb0, 0x43]); // "T°C" in latin1
    expect(
      prepareRawResult({ host: Buffer.from('h'), service: Buffer.from('s'), status: 0, output: latin1 }).output.equals(
        latin1,
      ),
    ).toBe(true);
  });
});

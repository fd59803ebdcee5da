import { isAscii, isUtf8 } from 'node:buffer';
import { PhraseFinder } from './phrase-finder.js';

/** Why a line was set aside without being parsed. */
export type LineDefect = 'too-long' | 'binary' | 'invalid-utf8';

/** One complete line (its newline seen), with the byte offset just past that newline. */
export type SplitLine =
  | { readonly text: string; readonly end: number; readonly lineNumber: number; readonly defect?: undefined }
  | { readonly text?: undefined; readonly end: number; readonly lineNumber: number; readonly defect: LineDefect };

export interface LineSplitterOptions {
  /** Byte offset in the file of the first byte that will be pushed. */
  readonly startOffset?: number;
  /**
   * Emit only lines containing one of these ASCII phrases (and every defective line); the
   * others are counted in `lineCount` and `offset` but never become strings. This is the
   * byte-level prefilter: on a clean chunk a line that cannot matter costs one newline search.
   * The last complete line of each push is emitted all the same (see pushKept).
   */
  readonly keep?: readonly string[];
}

/**
 * Control bytes that never appear in a line rsyslog wrote (it escapes them as `#033`):
 * a line holding one is binary garbage. TAB and a trailing CR are allowed.
 */

const BINARY = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const HIGH_BYTE = /[\x80-\xff]/;
/** Either of the two above: one pass settles the common case of a clean line. */

const SUSPECT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]/;

/**
 * A chunk of ASCII without NUL: its lines need no UTF-8 decoding, and binary garbage (which
 * nearly always holds NUL or high bytes) is absent. Both checks run natively over the chunk.
 * A stray low control byte in a line without a refusal phrase then goes uncounted as
 * "binary"; it is skipped all the same, and a line that is kept is always checked.
 */
function isPlainText(chunk: Buffer): boolean {
  return isAscii(chunk) && chunk.indexOf(0) < 0;
}

/**
 * Splits a byte stream on 0x0A into lines that know where they end.
 *
 * Lines are decoded as latin1 first: one char per byte keeps every offset exact. Only a line with
 * bytes >= 0x80 is checked as UTF-8 and decoded again, which is rare in auth logs. With `keep`,
 * a chunk of plain text is searched as bytes and only the lines that matter are decoded; any
 * other chunk is decoded whole and split as a string. A line longer than `maxLineBytes` is never held whole: its bytes
 * are dropped as they arrive and it comes out as a `too-long` defect once its newline is seen.
 */
export class LineSplitter {
  private readonly maxLineBytes: number;
  private readonly keep: PhraseFinder | null;
  private partial = '';
  private discarding = false;
  /** Bytes of an over-long line already dropped: not in `partial`, not yet past a newline. */
  private discarded = 0;
  private consumed: number;
  private lines = 0;

  constructor(maxLineBytes: number, options: LineSplitterOptions = {}) {
    this.maxLineBytes = maxLineBytes;
    this.consumed = options.startOffset ?? 0;
    this.keep = options.keep && options.keep.length > 0 ? new PhraseFinder(options.keep) : null;
  }

  /** Offset just past the last complete line: the position to resume at. */
  get offset(): number {
    return this.consumed;
  }

  /** Complete lines seen so far, emitted or not. */
  get lineCount(): number {
    return this.lines;
  }

  /** Bytes of an incomplete last line held (or being discarded) since `offset`. */
  get pendingBytes(): number {
    return this.partial.length + this.discarded;
  }

  get holdsPartialLine(): boolean {
    return this.partial.length > 0 || this.discarding;
  }

  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    // A line begun in an earlier chunk is finished the simple way.
    if (this.holdsPartialLine) {
      const newline = chunk.indexOf(0x0a);
      if (newline < 0) {
        this.holdPartial(chunk.toString('latin1', 0, chunk.length));
        return out;
      }
      this.finishLine(this.discarding ? null : this.partial + chunk.toString('latin1', 0, newline), newline + 1, out);
      start = newline + 1;
    }
    if (this.keep !== null && isPlainText(chunk)) this.pushKept(chunk, start, this.keep, out);
    else this.pushEvery(chunk, start, out);
    return out;
  }

  /**
   * The prefiltered path, on the bytes: a line without a phrase is only counted (one native
   * newline search), and only the lines with one are decoded, so a chunk never becomes one
   * large string (measured: decoding every chunk cost more than reading the file).
   */
  private pushKept(chunk: Buffer, from: number, finder: PhraseFinder, out: SplitLine[]): void {
    finder.reset(chunk);
    let start = from;
    let phrase = finder.firstFrom(start);
    /** Start of the last line passed over, while no line after it was emitted; -1 otherwise. */
    let passedOver = -1;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      const length = newline - start;
      if ((phrase >= 0 && phrase < newline) || length > this.maxLineBytes) {
        this.finishLine(length > this.maxLineBytes ? null : chunk.toString('latin1', start, newline), length + 1, out);
        if (phrase >= 0 && phrase < newline) phrase = finder.firstFrom(newline + 1);
        passedOver = -1;
      } else {
        this.lines++;
        this.consumed += length + 1;
        passedOver = start;
      }
      start = newline + 1;
    }
    // The last complete line is emitted even without a phrase: a reader taking its position
    // from the lines it is given then moves past the lines that were passed over.
    if (passedOver >= 0) {
      this.lines--;
      this.consumed -= start - passedOver;
      this.finishLine(chunk.toString('latin1', passedOver, start - 1), start - passedOver, out);
    }
    if (start < chunk.length) this.holdPartial(chunk.toString('latin1', start, chunk.length));
  }

  /** Every line becomes a string (no prefilter, or a chunk that is not plain ASCII). */
  private pushEvery(chunk: Buffer, from: number, out: SplitLine[]): void {
    const text = chunk.toString('latin1', from, chunk.length);
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline < 0) break;
      const length = newline - start;
      this.finishLine(length > this.maxLineBytes ? null : text.slice(start, newline), length + 1, out);
      start = newline + 1;
    }
    if (start < text.length) this.holdPartial(text.slice(start));
  }

  /**
   * Ends the stream at a rotation's grace period: a held partial line becomes a line.
   * Returns null when nothing was held.
   */
  flushPartial(): SplitLine | null {
    if (!this.holdsPartialLine) return null;
    const out: SplitLine[] = [];
    this.finishLine(this.discarding ? null : this.partial, 0, out);
    return out[0] ?? null;
  }

  /**
   * Treats the bytes up to the next newline as the tail of an over-long line: for reading that
   * starts inside a line whose beginning lies more than `maxLineBytes` back.
   */
  skipToNextNewline(): void {
    this.partial = '';
    this.discarding = true;
  }

  /** Starts over at `offset` (truncation): a held partial line is dropped, it belongs to the old content. */
  reset(offset = 0): void {
    this.partial = '';
    this.discarding = false;
    this.discarded = 0;
    this.consumed = offset;
  }

  /**
   * Completes a line whose bytes in the current chunk (newline included) number `bytesHere`.
   * `raw` is null when the line was too long.
   */
  private finishLine(raw: string | null, bytesHere: number, out: SplitLine[]): void {
    const end = this.consumed + this.discarded + this.partial.length + bytesHere;
    this.lines++;
    const lineNumber = this.lines;
    if (raw === null || raw.length > this.maxLineBytes) out.push({ end, lineNumber, defect: 'too-long' });
    else out.push(classify(raw, end, lineNumber));
    this.partial = '';
    this.discarding = false;
    this.discarded = 0;
    this.consumed = end;
  }

  private holdPartial(piece: string): void {
    if (this.discarding) {
      this.discarded += piece.length;
      return;
    }
    const held = this.partial + piece;
    if (held.length > this.maxLineBytes) {
      this.discarded = held.length;
      this.partial = '';
      this.discarding = true;
    } else {
      this.partial = held;
    }
  }
}

/**
 * Classifies a message that arrives whole (a journal entry's MESSAGE bytes) by the same rules as
 * a line of a file, so that both sources skip the same things; a multi-line message is binary.
 */
export function classifyMessage(
  bytes: Uint8Array,
  maxLineBytes: number,
): { readonly text: string } | { readonly defect: LineDefect } {
  if (bytes.length > maxLineBytes) return { defect: 'too-long' };
  // A file line cannot hold a newline; a message can, and rsyslog would have escaped it.
  if (bytes.includes(0x0a)) return { defect: 'binary' };
  const line = classify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), 0, 0);
  return line.defect === undefined ? { text: line.text } : { defect: line.defect };
}

/** Classifies one latin1-decoded line: a clean UTF-8 string, or why it is unusable. */
function classify(raw: string, end: number, lineNumber: number): SplitLine {
  const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!SUSPECT.test(body)) return { text: body, end, lineNumber };
  if (BINARY.test(body)) return { end, lineNumber, defect: 'binary' };
  if (!HIGH_BYTE.test(body)) return { text: body, end, lineNumber };
  const bytes = Buffer.from(body, 'latin1');
  if (!isUtf8(bytes)) return { end, lineNumber, defect: 'invalid-utf8' };
  return { text: bytes.toString('utf8'), end, lineNumber };
}

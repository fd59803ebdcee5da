import { findFieldProblem, type RawCheckResult } from '../sink/nsca/fields.js';
import { ETB } from './send-args.js';

/**
 * send_nsca's input: `host<TAB>service<TAB>code<TAB>output` (a service result) or
 * `host<TAB>code<TAB>output` (a host result). Results are separated by ETB (0x17, send_nsca
 * 2.10) or, when the input holds no ETB at all, one per line; send_nsca 2.10 would glue such
 * lines into one result. Fields are split like send_nsca's strtok: runs of delimiters count as
 * one, and the output is the rest of the result, delimiters included. Trailing spaces, tabs and
 * line ends are dropped, as send_nsca does.
 *
 * Bytes are kept as they are (the input need not be UTF-8): the text is handled as latin1,
 * one character per byte, and turned back into the same bytes.
 */

export interface InputResult {
  readonly result: RawCheckResult;
  /** "line 3", or "result 2 (line 5)" for ETB-separated input. */
  readonly where: string;
}

export interface InputProblem {
  readonly where: string;
  readonly message: string;
}

export interface ParsedInput {
  readonly results: readonly InputResult[];
  readonly problems: readonly InputProblem[];
}

const TRAILING_BLANKS = /[ \t\r\n]+$/;

function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** strtok(set, delim) three times, then the rest: send_nsca's field split. */
export function splitFields(set: string, delimiter: string): string[] {
  const fields: string[] = [];
  let pos = 0;
  while (fields.length < 3) {
    while (pos < set.length && set[pos] === delimiter) pos++;
    if (pos >= set.length) return fields;
    const end = set.indexOf(delimiter, pos);
    if (end < 0) {
      fields.push(set.slice(pos));
      return fields;
    }
    fields.push(set.slice(pos, end));
    pos = end + 1;
  }
  if (pos < set.length) fields.push(set.slice(pos));
  return fields;
}

function parseStatus(text: string): number | null {
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : null;
}

function visible(text: string): string {
  const shown = JSON.stringify(Buffer.from(text, 'latin1').toString('utf8'));
  return shown.length > 60 ? `${shown.slice(0, 57)}..."` : shown;
}

function delimiterName(delimiter: string): string {
  const code = delimiter.charCodeAt(0);
  if (code === 0x09) return '<TAB>';
  return code > 0x20 && code < 0x7f ? delimiter : `<0x${code.toString(16).padStart(2, '0')}>`;
}

function parseSet(set: string, delimiter: string): RawCheckResult | string {
  const fields = splitFields(set, delimiter);
  const d = delimiterName(delimiter);
  const shape = `expected host${d}[service${d}]return_code${d}output`;
  if (fields.length < 3) return `${fields.length} field${fields.length === 1 ? '' : 's'} (${shape})`;
  const [host = '', second = '', third = '', fourth] = fields;
  const [service, code, output] = fourth === undefined ? ['', second, third] : [second, third, fourth];
  const status = parseStatus(code);
  if (status === null) return `return code ${visible(code)} is not a number (${shape})`;
  const result: RawCheckResult = { host: bytesOf(host), service: bytesOf(service), status, output: bytesOf(output) };
  const problem = findFieldProblem(result);
  return problem ? `${problem.field} ${problem.reason}` : result;
}

export function parseSendInput(input: Buffer, fieldDelimiter: number, setDelimiter: number | null): ParsedInput {
  const text = input.toString('latin1');
  const separator = String.fromCharCode(setDelimiter ?? (text.includes(String.fromCharCode(ETB)) ? ETB : 0x0a));
  const byLine = separator === '\n';
  const delimiter = String.fromCharCode(fieldDelimiter);
  const results: InputResult[] = [];
  const problems: InputProblem[] = [];

  let line = 1;
  let count = 0;
  for (const raw of text.split(separator)) {
    // A result after "output\n<ETB>\n" would otherwise start with a newline and go nowhere.
    const leading = byLine ? 0 : (/^[\r\n]*/.exec(raw)?.[0].length ?? 0);
    const firstLine = line + (raw.slice(0, leading).match(/\n/g)?.length ?? 0);
    line += (raw.match(/\n/g)?.length ?? 0) + (byLine ? 1 : 0);
    const set = raw.slice(leading).replace(TRAILING_BLANKS, '');
    if (set === '') continue;
    count++;
    const where = byLine ? `line ${firstLine}` : `result ${count} (line ${firstLine})`;
    const parsed = parseSet(set, delimiter);
    if (typeof parsed === 'string') problems.push({ where, message: parsed });
    else results.push({ result: parsed, where });
  }
  return { results, problems };
}

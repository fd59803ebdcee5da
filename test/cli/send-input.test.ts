import { describe, expect, it } from 'vitest';
import { parseSendInput, splitFields } from '../../src/cli/send-input.js';

const TAB = 9;
const parse = (text: string, setDelimiter: number | null = null, fieldDelimiter = TAB) =>
  parseSendInput(Buffer.from(text, 'latin1'), fieldDelimiter, setDelimiter);
const shown = (text: string) => {
  const { results, problems } = parse(text);
  return {
    results: results.map(({ result, where }) => ({
      where,
      host: Buffer.from(result.host).toString(),
      service: Buffer.from(result.service).toString(),
      status: result.status,
      output: Buffer.from(result.output).toString(),
    })),
    problems,
  };
};

describe("send_nsca's field split", () => {
  it('is strtok: runs of delimiters count once, the output is the rest, delimiters and all', () => {
    expect(splitFields('h\t\tsvc\t2\tout\twith\ttabs', '\t')).toEqual(['h', 'svc', '2', 'out\twith\ttabs']);
    expect(splitFields('\th\t0\tout', '\t')).toEqual(['h', '0', 'out']);
    expect(splitFields('h\tsvc\t2\t\tout', '\t')).toEqual(['h', 'svc', '2', '\tout']);
    expect(splitFields('h\t0', '\t')).toEqual(['h', '0']);
  });
});

describe('results on standard input', () => {
  it('reads service and host results separated by ETB', () => {
    expect(shown('web\tHTTP\t0\tOK - fine\n\x17web\t1\thost slow\n\x17').results).toEqual([
      { where: 'result 1 (line 1)', host: 'web', service: 'HTTP', status: 0, output: 'OK - fine' },
      { where: 'result 2 (line 2)', host: 'web', service: '', status: 1, output: 'host slow' },
    ]);
  });

  it('keeps newlines inside an ETB-separated output (the server escapes them)', () => {
    expect(shown('web\tHTTP\t2\tline one\nline two\x17').results[0]?.output).toBe('line one\nline two');
  });

  it('reads one result per line when the input has no ETB', () => {
    const { results } = shown('a\ts\t0\tone\r\n\nb\t2\ttwo  \n');
    expect(results.map((r) => [r.where, r.host, r.service, r.output])).toEqual([
      ['line 1', 'a', 's', 'one'],
      ['line 3', 'b', '', 'two'],
    ]);
  });

  it('with -ds, splits on that character only', () => {
    const { results } = parse('a\ts\t0\tone\nstill one|b\t1\ttwo', 0x7c);
    expect(results.map((r) => Buffer.from(r.result.output).toString())).toEqual(['one\nstill one', 'two']);
  });

  it('with -d, splits fields on that character', () => {
    const { results } = parse('a,s,0,x,y\n', null, 0x2c);
    expect(Buffer.from(results[0]!.result.output).toString()).toBe('x,y');
  });

  it('reports bad results with their line number and keeps the good ones', () => {
    const { results, problems } = shown(
      'good\tsvc\t0\tok\nweb;evil\tsvc\t2\tx\nonly\tone\nh\tsvc\tWARN\tx\ngood2\t0\tok\n',
    );
    expect(results.map((r) => r.host)).toEqual(['good', 'good2']);
    expect(problems).toEqual([
      { where: 'line 2', message: expect.stringMatching(/^host contains ";"/) as unknown },
      { where: 'line 3', message: '2 fields (expected host<TAB>[service<TAB>]return_code<TAB>output)' },
      {
        where: 'line 4',
        message: 'return code "WARN" is not a number (expected host<TAB>[service<TAB>]return_code<TAB>output)',
      },
    ]);
  });

  it('refuses a newline inside the host of an ETB-separated result, naming its line', () => {
    const { problems } = shown('a\ts\t0\tok\x17we\nb\ts\t0\tok\x17');
    expect(problems).toEqual([
      { where: 'result 2 (line 1)', message: expect.stringMatching(/^host contains a newline/) as unknown },
    ]);
  });

  it('skips blank results silently, like send_nsca', () => {
    expect(shown('\n\n   \n')).toEqual({ results: [], problems: [] });
    expect(shown('\x17\x17\n\x17')).toEqual({ results: [], problems: [] });
  });

  it('keeps bytes that are not UTF-8', () => {
    const { results } = parse('h\ts\t0\t20\xb0C\n');
    expect([...results[0]!.result.output]).toEqual([0x32, 0x30, 0xb0, 0x43]);
  });
});

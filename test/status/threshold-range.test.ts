import { describe, expect, it } from 'vitest';
import { alerts, parseThresholdRange, ThresholdSyntaxError } from '../../src/status/threshold-range.js';

const fires = (range: string, value: number) => alerts(parseThresholdRange(range), value);

describe('threshold ranges (Monitoring Plugins syntax)', () => {
  it('10: alert below 0 or above 10', () => {
    expect(parseThresholdRange('10')).toEqual({ start: 0, end: 10, inside: false, text: '10' });
    expect([-1, 0, 10, 10.5, 11].map((v) => fires('10', v))).toEqual([true, false, false, true, true]);
  });

  it('10: alert below 10', () => {
    expect(parseThresholdRange('10:')).toMatchObject({ start: 10, end: Infinity });
    expect([9.9, 10, 1e12].map((v) => fires('10:', v))).toEqual([true, false, false]);
  });

  it('~:10 alert above 10 (no lower end)', () => {
    expect(parseThresholdRange('~:10')).toMatchObject({ start: -Infinity, end: 10 });
    expect([-1e9, 10, 10.1].map((v) => fires('~:10', v))).toEqual([false, false, true]);
  });

  it('10:20 alert outside, @10:20 alert inside (ends included)', () => {
    expect([9, 10, 15, 20, 21].map((v) => fires('10:20', v))).toEqual([true, false, false, false, true]);
    expect([9, 10, 15, 20, 21].map((v) => fires('@10:20', v))).toEqual([false, true, true, true, false]);
  });

  it('decimals and negative numbers', () => {
    expect(parseThresholdRange('-5:0.5')).toMatchObject({ start: -5, end: 0.5 });
    expect(parseThresholdRange('@~:-1')).toMatchObject({ start: -Infinity, end: -1, inside: true });
  });

  it.each(['', '@', 'abc', '10:5', '1e3', '10::20', ':~', '~', '5,6', '0x10'])(
    'rejects %j with a message saying what a range looks like',
    (text) => {
      expect(() => parseThresholdRange(text)).toThrow(ThresholdSyntaxError);
      expect(() => parseThresholdRange(text)).toThrow(/not a threshold range/);
    },
  );
});

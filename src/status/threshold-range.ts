/**
 * A threshold range in the Monitoring Plugins syntax
 * (https://www.monitoring-plugins.org/doc/guidelines.html#THRESHOLDFORMAT):
 *   `10` alert outside 0..10, `10:` below 10, `~:10` above 10, `10:20` outside 10..20,
 *   `@10:20` inside 10..20 (ends included).
 */
export interface ThresholdRange {
  /** -Infinity for `~`. */
  readonly start: number;
  /** Infinity when left out (`10:`). */
  readonly end: number;
  /** `@`: alert inside the range instead of outside it. */
  readonly inside: boolean;
  /** The text as given, for perfdata. */
  readonly text: string;
}

export class ThresholdSyntaxError extends Error {
  override readonly name = 'ThresholdSyntaxError';
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function number(text: string, whole: string): number {
  if (!NUMBER.test(text))
    throw new ThresholdSyntaxError(
      `"${whole}" is not a threshold range: "${text}" is not a number (ranges look like 10, 10:, ~:10, 10:20, @10:20)`,
    );
  return Number(text);
}

export function parseThresholdRange(text: string): ThresholdRange {
  const whole = text;
  let body = text.trim();
  const inside = body.startsWith('@');
  if (inside) body = body.slice(1);
  if (body === '')
    throw new ThresholdSyntaxError(
      `"${whole}" is not a threshold range: it is empty (ranges look like 10, 10:, ~:10, 10:20, @10:20)`,
    );
  const colon = body.indexOf(':');
  let start: number;
  let end: number;
  if (colon === -1) {
    start = 0;
    end = number(body, whole);
  } else {
    const left = body.slice(0, colon);
    const right = body.slice(colon + 1);
    start = left === '~' ? -Infinity : left === '' ? 0 : number(left, whole);
    end = right === '' ? Infinity : number(right, whole);
  }
  if (start > end)
    throw new ThresholdSyntaxError(`"${whole}" is not a threshold range: its start ${start} is above its end ${end}`);
  return { start, end, inside, text: whole.trim() };
}

/** True when `value` should raise the alert this range stands for. */
export function alerts(range: ThresholdRange, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}

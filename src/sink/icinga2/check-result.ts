import type { PassiveCheckResult } from '../../types.js';
import { InvalidResultError } from '../errors.js';
import type { FieldLimits } from '../transport.js';

/**
 * A result as the body of Icinga 2's `POST /v1/actions/process-check-result`. The output's
 * Nagios-style perfdata (after the first `|`) becomes Icinga's `performance_data` array, so the
 * graphs see `refusals` and `sources` as metrics. JSON carries any text safely: no field rule
 * but the one the object name needs (`host!service`: a `!` in the host name would point at
 * another object).
 */

/** Icinga has no output cap of its own; names are kept to what any monitoring config uses. */
export const ICINGA2_LIMITS: FieldLimits = { maxHostBytes: 255, maxServiceBytes: 255, maxOutputBytes: null };

export interface Icinga2CheckResult {
  /** `host!service`, or the host name for a host result: what to define when Icinga answers 404. */
  readonly objectName: string;
  readonly kind: 'Service' | 'Host';
  /** The JSON request body. */
  readonly body: string;
}

export interface CheckResultBody {
  readonly type: 'Service' | 'Host';
  readonly service?: string;
  readonly host?: string;
  readonly exit_status: number;
  readonly plugin_output: string;
  readonly performance_data?: readonly string[];
  readonly check_source: string;
}

/** "text | a=1 b=2" → ["text", ["a=1", "b=2"]]; no `|`: no performance data. */
export function splitPerfdata(output: string): { text: string; perfdata: string[] } {
  const bar = output.indexOf('|');
  if (bar < 0) return { text: output, perfdata: [] };
  const perfdata = output
    .slice(bar + 1)
    .trim()
    .split(/\s+/)
    .filter((item) => item !== '');
  return { text: output.slice(0, bar).trimEnd(), perfdata };
}

export function checkResultBody(result: PassiveCheckResult, checkSource: string): CheckResultBody {
  const { text, perfdata } = splitPerfdata(result.output);
  const target =
    result.service === ''
      ? { type: 'Host' as const, host: result.host }
      : { type: 'Service' as const, service: `${result.host}!${result.service}` };
  return {
    ...target,
    exit_status: result.status,
    plugin_output: text,
    ...(perfdata.length > 0 ? { performance_data: perfdata } : {}),
    check_source: checkSource,
  };
}

/** Checks a result and builds its request; throws InvalidResultError naming the field. */
export function prepareIcinga2CheckResult(
  result: PassiveCheckResult,
  checkSource: string,
  index = 0,
): Icinga2CheckResult {
  if (result.host === '') throw new InvalidResultError(index, 'host', 'is empty');
  const bang = result.host.indexOf('!');
  if (bang >= 0)
    throw new InvalidResultError(
      index,
      'host',
      `contains "!" (at character ${bang + 1}), which Icinga reads as the end of the host in "host!service"`,
    );
  if (!Number.isInteger(result.status) || result.status < 0 || result.status > 3) {
    throw new InvalidResultError(index, 'status', `${result.status} is not a state Icinga takes (0-3)`);
  }
  const body = checkResultBody(result, checkSource);
  return {
    objectName: result.service === '' ? result.host : `${result.host}!${result.service}`,
    kind: body.type,
    body: JSON.stringify(body),
  };
}

import type { PassiveCheckResult } from '../types.js';

/**
 * The line the nsca server appends to the Nagios command file for a result, escaped as the
 * server escapes it (in the output `\` becomes `\\` and a newline the two characters `\n`).
 * `--dry-run` prints these, so what an operator sees is what Nagios would get.
 */
export function commandFileLine(result: PassiveCheckResult, epochSeconds: number): string {
  const output = result.output.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return result.service === ''
    ? `[${epochSeconds}] PROCESS_HOST_CHECK_RESULT;${result.host};${result.status};${output}`
    : `[${epochSeconds}] PROCESS_SERVICE_CHECK_RESULT;${result.host};${result.service};${result.status};${output}`;
}

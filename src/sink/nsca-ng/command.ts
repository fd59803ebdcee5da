import type { PassiveCheckResult } from '../../types.js';
import { commandFileLine } from '../command-line.js';
import { InvalidResultError } from '../errors.js';
import type { FieldLimits } from '../transport.js';

/**
 * What an NSCA-ng PUSH carries: one Nagios external command, `[time] PROCESS_…_CHECK_RESULT;…`,
 * ending in a newline, with `\` and newlines in the output escaped by the client (NSCA-ng's
 * PROTOCOL: the server passes the bytes through). Host and service go into the command
 * unescaped, so `;` or a control character in them would move or cut the result: refused.
 */

/**
 * Nagios 4 reads external commands of at most 8,192 bytes (MAX_EXTERNAL_COMMAND_LENGTH); the
 * NSCA-ng server's own default cap (max_command_size) is 16,384. The smaller one counts.
 */
export const MAX_COMMAND_BYTES = 8192;
const MAX_NAME_BYTES = 255;
/** `[` 11 digits `] PROCESS_SERVICE_CHECK_RESULT;` host `;` service `;` status(3) `;` … `\n`. */
const WORST_OVERHEAD = 1 + 11 + 2 + 29 + MAX_NAME_BYTES + 1 + MAX_NAME_BYTES + 1 + 3 + 1 + 1;

export const NSCA_NG_LIMITS: FieldLimits = {
  maxHostBytes: MAX_NAME_BYTES,
  maxServiceBytes: MAX_NAME_BYTES,
  // Escaping can grow the output; the command as a whole is checked again when it is built.
  maxOutputBytes: MAX_COMMAND_BYTES - WORST_OVERHEAD,
};

/** A result that passed the field rules; the command is built at delivery, with that time. */
export interface NscaNgCommand {
  readonly host: string;
  readonly service: string;
  readonly status: number;
  readonly output: string;
}

function nameProblem(value: string): string | null {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long; wrapwatch sends at most ${MAX_NAME_BYTES} over NSCA-ng`;
  const semicolon = value.indexOf(';');
  if (semicolon >= 0)
    return `contains ";" (at character ${semicolon + 1}), which Nagios would read as the end of the field`;

  const control = /[\x00-\x1f\x7f]/.exec(value);
  if (control)
    return `contains the control character 0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} (at character ${control.index + 1}), which would cut the Nagios command`;
  return null;
}

/** Checks a result against the NSCA-ng field rules; throws InvalidResultError naming the field. */
export function prepareNscaNgCommand(result: PassiveCheckResult, index = 0): NscaNgCommand {
  if (result.host === '') throw new InvalidResultError(index, 'host', 'is empty');
  const hostProblem = nameProblem(result.host);
  if (hostProblem) throw new InvalidResultError(index, 'host', hostProblem);
  const serviceProblem = nameProblem(result.service);
  if (serviceProblem) throw new InvalidResultError(index, 'service', serviceProblem);
  if (!Number.isInteger(result.status) || result.status < 0 || result.status > 255) {
    throw new InvalidResultError(index, 'status', `${result.status} is not an exit status (0-255; Nagios uses 0-3)`);
  }
  if (result.output.includes('\0'))
    throw new InvalidResultError(index, 'output', 'contains a NUL byte, which would end the command there');
  const command: NscaNgCommand = {
    host: result.host,
    service: result.service,
    status: result.status,
    output: result.output,
  };
  const bytes = commandBytes(command, 0).length;
  if (bytes > MAX_COMMAND_BYTES) {
    throw new InvalidResultError(
      index,
      'output',
      `makes a ${bytes}-byte command; Nagios reads at most ${MAX_COMMAND_BYTES}`,
    );
  }
  return command;
}

/** The external command line as `--dry-run` shows it (no trailing newline). */
export function commandLine(command: NscaNgCommand, epochSeconds: number): string {
  return commandFileLine(command, epochSeconds);
}

/** The bytes of one PUSH: the command line and its newline. */
export function commandBytes(command: NscaNgCommand, epochSeconds: number): Buffer {
  return Buffer.from(`${commandLine(command, epochSeconds)}\n`, 'utf8');
}

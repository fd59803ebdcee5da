import type { PassiveCheckResult } from '../../types.js';
import { InvalidResultError } from './errors.js';
import { utf8CutIndex } from '../../text/utf8.js';

/**
 * The field rules of an NSCA result, checked before anything is sent. The server copies host
 * and service into the Nagios command line unescaped, so a `;` in them would move the result to
 * another host or service, and a newline would cut them short: such results are refused rather
 * than sent wrong. The output is escaped by the server and only needs to fit.
 */

/** Usable bytes of each NUL-terminated field of the version 3 packet. */
export const MAX_HOST_BYTES = 63;
export const MAX_SERVICE_BYTES = 127;
export const MAX_OUTPUT_BYTES = 4095;

/** Appended to an output cut to fit, inside the 4095 bytes, so the cut is visible in Nagios. */
export const TRUNCATION_MARKER = '...[truncated]';

/** A result as bytes, exactly as `send` reads it from stdin (which need not be UTF-8). */
export interface RawCheckResult {
  readonly host: Uint8Array;
  /** Empty for a host check result. */
  readonly service: Uint8Array;
  readonly status: number;
  readonly output: Uint8Array;
}

/** A result that passed the field rules, ready for the packet codec. */
export interface PreparedResult {
  readonly host: Buffer;
  readonly service: Buffer;
  readonly status: number;
  readonly output: Buffer;
  /** The output was longer than 4095 bytes and now ends in TRUNCATION_MARKER. */
  readonly truncated: boolean;
}

export interface FieldProblem {
  readonly field: 'host' | 'service' | 'status' | 'output';
  readonly reason: string;
}

const SEMICOLON = 0x3b;

function describeByte(byte: number): string {
  if (byte === 0x0a) return 'a newline';
  if (byte === 0x0d) return 'a carriage return';
  if (byte === 0x09) return 'a tab';
  return `the control character 0x${byte.toString(16).padStart(2, '0')}`;
}

function nameProblem(field: 'host' | 'service', bytes: Uint8Array, max: number): FieldProblem | null {
  if (bytes.length > max) return { field, reason: `is ${bytes.length} bytes long; NSCA carries at most ${max}` };
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === SEMICOLON) {
      return {
        field,
        reason: `contains ";" (at byte ${i + 1}), which Nagios would read as the end of the field: the result would land on another ${field === 'host' ? 'host or service' : 'service'}`,
      };
    }
    if (byte < 0x20 || byte === 0x7f) {
      return {
        field,
        reason: `contains ${describeByte(byte)} (at byte ${i + 1}), which the server would cut or pass on raw into the Nagios command`,
      };
    }
  }
  return null;
}

/** Cuts `bytes` to at most `max` bytes, never inside a UTF-8 sequence, ending in the marker. */
export function truncateOutput(
  bytes: Uint8Array,
  max: number = MAX_OUTPUT_BYTES,
): { bytes: Buffer; truncated: boolean } {
  if (bytes.length <= max)
    return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), truncated: false };
  const marker = Buffer.from(TRUNCATION_MARKER, 'latin1');
  const cut = utf8CutIndex(bytes, max - marker.length);
  return { bytes: Buffer.concat([bytes.subarray(0, cut), marker]), truncated: true };
}

/** The first rule a result breaks, or null. */
export function findFieldProblem(raw: RawCheckResult): FieldProblem | null {
  if (raw.host.length === 0) return { field: 'host', reason: 'is empty' };
  const problem =
    nameProblem('host', raw.host, MAX_HOST_BYTES) ?? nameProblem('service', raw.service, MAX_SERVICE_BYTES);
  if (problem) return problem;
  if (!Number.isInteger(raw.status) || raw.status < -32768 || raw.status > 32767) {
    return {
      field: 'status',
      reason: `${raw.status} is not a whole number the packet can carry (-32768 to 32767; Nagios uses 0-3)`,
    };
  }
  const nul = raw.output.indexOf(0);
  if (nul >= 0)
    return {
      field: 'output',
      reason: `contains a NUL byte (at byte ${nul + 1}), which would silently end the output there`,
    };
  return null;
}

/** Checks a raw result and truncates its output; throws InvalidResultError naming `index`. */
export function prepareRawResult(raw: RawCheckResult, index = 0): PreparedResult {
  const problem = findFieldProblem(raw);
  if (problem) throw new InvalidResultError(index, problem.field, problem.reason);
  const output = truncateOutput(raw.output);
  return {
    host: Buffer.from(raw.host),
    service: Buffer.from(raw.service),
    status: raw.status,
    output: output.bytes,
    truncated: output.truncated,
  };
}

/** The same for a result with text fields, which go on the wire as UTF-8. */
export function prepareResult(result: PassiveCheckResult, index = 0): PreparedResult {
  return prepareRawResult(
    {
      host: Buffer.from(result.host, 'utf8'),
      service: Buffer.from(result.service, 'utf8'),
      status: result.status,
      output: Buffer.from(result.output, 'utf8'),
    },
    index,
  );
}

/** What an NSCA result may carry, for the throttle to cut and check against (see sink/transport). */
export const NSCA_FIELD_LIMITS = {
  maxHostBytes: MAX_HOST_BYTES,
  maxServiceBytes: MAX_SERVICE_BYTES,
  maxOutputBytes: MAX_OUTPUT_BYTES,
} as const;

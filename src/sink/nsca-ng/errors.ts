import type { DeliveryFailure, FailureReason } from '../transport.js';
import { CONNECT_FAILURE_CODES } from '../errors.js';

/**
 * NSCA-ng session failures turned into the seam's reasons, each with a sentence that says what
 * the server did and what to check. The TLS alerts are what the real nsca-ng 1.6 sends:
 * `bad record mac` for a wrong key, `unknown psk identity` for an identity without an
 * `authorize` block.
 */

export interface NscaNgTarget {
  readonly host: string;
  readonly port: number;
  readonly identity: string;
  /** host:port, for messages. */
  readonly endpoint: string;
}

export class NscaNgSessionError extends Error implements DeliveryFailure {
  constructor(
    readonly reason: FailureReason,
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'NscaNgSessionError';
  }
}

const HUNG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function codeOf(error: Error): string {
  return 'code' in error && typeof error.code === 'string' ? error.code : '';
}

/**
 * `ended` is how the connection ended (an error, a clean end) or `timeout`; `step` is what the
 * client was waiting for; `bail` the server's BAIL text, if it sent one.
 */
export function classifySessionError(
  ended: Error | 'end' | 'timeout',
  step: string,
  bail: string | null,
  target: NscaNgTarget,
): NscaNgSessionError {
  const where = `NSCA-ng server ${target.endpoint}`;
  if (bail !== null) {
    return new NscaNgSessionError(
      'server-error',
      `${where} ended the session (BAIL ${bail}) while wrapwatch waited for its ${step} reply`,
    );
  }
  if (ended === 'timeout') {
    if (step === 'handshake') {
      return new NscaNgSessionError(
        'unreachable',
        `${where}: no TLS handshake within the timeout (a firewall dropping packets, or a port that is not NSCA-ng's?)`,
      );
    }
    return new NscaNgSessionError(
      'unconfirmed',
      `${where} did not answer ${step} within the timeout: overloaded or wedged? The result is held and sent again`,
    );
  }
  if (ended === 'end') {
    return step === 'handshake'
      ? new NscaNgSessionError(
          'hung-up',
          `${where} closed the connection during the TLS handshake (is that port NSCA-ng's?)`,
        )
      : new NscaNgSessionError(
          'hung-up',
          `${where} closed the connection while wrapwatch waited for its ${step} reply (stopped or restarted?)`,
        );
  }
  const code = codeOf(ended);
  if (code === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY') {
    return new NscaNgSessionError(
      'rejected',
      `${where} does not know the identity "${target.identity}" (TLS alert unknown psk identity): add an authorize "${target.identity}" block to its nsca-ng.cfg, or set nsca_ng.identity to one it has`,
      ended,
    );
  }
  if (code === 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC' || code.includes('DECRYPT') || code.includes('BAD_RECORD_MAC')) {
    return new NscaNgSessionError(
      'rejected',
      `${where} refused the key of identity "${target.identity}" (TLS alert bad record mac): nsca_ng.password differs from the password in its authorize "${target.identity}" block`,
      ended,
    );
  }
  // A TLS connect that times out in the kernel is as unreachable as a refused one.
  if (CONNECT_FAILURE_CODES.has(code) || code === 'ETIMEDOUT') {
    return new NscaNgSessionError(
      'unreachable',
      `cannot connect to ${where}: ${code} (is nsca-ng running and listening there?)`,
      ended,
    );
  }
  if (HUNG_UP_CODES.has(code)) {
    return new NscaNgSessionError(
      'hung-up',
      `${where} dropped the connection (${code}) while wrapwatch waited for its ${step} reply (stopped or restarted?)`,
      ended,
    );
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return new NscaNgSessionError(
      'rejected',
      `TLS with ${where} failed (${ended.message.split('\n')[0] ?? code}): is that port NSCA-ng's, and does it allow TLS 1.2 with a PSK cipher?`,
      ended,
    );
  }
  return new NscaNgSessionError('unreachable', `${where}: ${ended.message}`, ended);
}

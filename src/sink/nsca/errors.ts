/**
 * Typed failures of the NSCA client. Every delivery error says which server, what went wrong
 * in words a sysadmin can act on, and how far the batch got, so that the daemon's outage
 * buffer can decide what to keep and what to send again.
 */

/** The connection steps that have their own timeout (`nsca.timeout_seconds` each). */
export type NscaStep = 'connect' | 'greeting' | 'write';

export type NscaFailureKind =
  'refused' | 'connect-failed' | 'timeout' | 'closed-early' | 'rejected' | 'unconfirmed' | 'aborted';

export interface NscaProgress {
  /** "host:port" of the NSCA server. */
  readonly endpoint: string;
  /**
   * Results of the batch whose packets were handed to the kernel before the failure. They
   * may have landed, but NSCA never acknowledges anything: after a `closed-early` or
   * `rejected` failure assume that none of them was accepted.
   */
  readonly written: number;
  /** Results in the batch. */
  readonly total: number;
}

export { InvalidResultError } from '../errors.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const notSent = (total: number): string =>
  total === 1 ? 'The result was not sent.' : `None of the ${total} results was sent.`;
const assumeLost = (total: number): string =>
  total === 1 ? 'Assume the result was not accepted.' : `Assume none of the ${total} results was accepted.`;

/** Base class: a batch could not be delivered, or its delivery cannot be trusted. */
export abstract class NscaDeliveryError extends Error implements NscaProgress {
  abstract readonly kind: NscaFailureKind;
  readonly endpoint: string;
  readonly written: number;
  readonly total: number;

  protected constructor(message: string, progress: NscaProgress, options?: ErrorOptions) {
    super(message, options);
    this.endpoint = progress.endpoint;
    this.written = progress.written;
    this.total = progress.total;
  }
}

/** Nothing listens on the port (ECONNREFUSED): nsca is down, or the port is wrong. */
export class NscaConnectionRefusedError extends NscaDeliveryError {
  readonly kind = 'refused';
  constructor(progress: NscaProgress, cause?: unknown) {
    super(
      `NSCA server ${progress.endpoint} refused the connection: is nsca running and listening on that address and port? ` +
        notSent(progress.total),
      progress,
      { cause },
    );
    this.name = 'NscaConnectionRefusedError';
  }
}

/** Any other failure to connect: unknown host name, no route, network down. */
export class NscaConnectError extends NscaDeliveryError {
  readonly kind = 'connect-failed';
  readonly code: string | undefined;
  constructor(progress: NscaProgress, cause: unknown) {
    const code = errnoCode(cause);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`cannot connect to NSCA server ${progress.endpoint}: ${detail}. ${notSent(progress.total)}`, progress, {
      cause,
    });
    this.name = 'NscaConnectError';
    this.code = code;
  }
}

const STEP_WORDS: Record<NscaStep, (p: NscaProgress) => string> = {
  connect: () => 'while connecting (no answer at all: a firewall dropping packets, or a wrong address?)',
  greeting: () =>
    'waiting for its greeting (the 132-byte init packet every nsca sends at once): the port answers but does not speak NSCA, ' +
    'or the single-process nsca is stuck with another client',
  write: (p) => `writing result ${p.written + 1} of ${p.total}: the server stopped reading (hung or overloaded)`,
};

/** One step took longer than the per-step timeout. */
export class NscaTimeoutError extends NscaDeliveryError {
  readonly kind = 'timeout';
  readonly step: NscaStep;
  readonly timeoutMs: number;
  constructor(step: NscaStep, timeoutMs: number, progress: NscaProgress) {
    super(
      `NSCA server ${progress.endpoint}: timed out after ${timeoutMs / 1000} s ${STEP_WORDS[step](progress)}. ` +
        `${progress.written} of ${plural(progress.total, 'result')} written before that.`,
      progress,
    );
    this.name = 'NscaTimeoutError';
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/** The server hung up before the greeting, or while results were still being sent. */
export class NscaClosedEarlyError extends NscaDeliveryError {
  readonly kind = 'closed-early';
  /** `greeting`: before its init packet was complete; `sending`: while packets were going out. */
  readonly during: 'greeting' | 'sending';
  constructor(during: 'greeting' | 'sending', progress: NscaProgress, detail: string, cause?: unknown) {
    const message =
      during === 'greeting'
        ? `NSCA server ${progress.endpoint} closed the connection before sending its greeting (${detail}): ` +
          `nsca does this to clients its hosts.allow/hosts.deny refuse (it uses TCP wrappers), or the port is not nsca's. ` +
          notSent(progress.total)
        : `NSCA server ${progress.endpoint} closed the connection after ${progress.written} of ${plural(progress.total, 'result')} ` +
          `had been written (${detail}). nsca hangs up on a packet it cannot decrypt, so the password or encryption method ` +
          `most likely differs from its nsca.cfg (password, decryption_method); its syslog says "invalid CRC32" or ` +
          `"invalid packet type/version". ${assumeLost(progress.total)}`;
    super(message, progress, { cause });
    this.name = 'NscaClosedEarlyError';
    this.during = during;
  }
}

/**
 * The server hung up just after the last packet (within `nsca.linger_ms`), or reset the
 * connection instead of reading it to the end. nsca never closes a connection on its own except
 * after a packet it could not decrypt, so this is how a wrong password becomes visible:
 * send_nsca reports success in this case.
 */
export class NscaRejectedError extends NscaDeliveryError {
  readonly kind = 'rejected';
  constructor(progress: NscaProgress, detail: string, cause?: unknown) {
    super(
      `NSCA server ${progress.endpoint} rejected the results: ${detail}. nsca does this when a packet fails to decrypt, ` +
        `so the password or encryption method most likely differs from its nsca.cfg (password, decryption_method); ` +
        `its syslog says "invalid CRC32" or "invalid packet type/version". ` +
        assumeLost(progress.total),
      progress,
      { cause },
    );
    this.name = 'NscaRejectedError';
  }
}

/**
 * The server took the results but did not close the connection within the timeout after our
 * half-close: nothing proves it read them (a wedged or overloaded receiver looks like this).
 */
export class NscaUnconfirmedError extends NscaDeliveryError {
  readonly kind = 'unconfirmed';
  readonly timeoutMs: number;
  constructor(progress: NscaProgress, timeoutMs: number) {
    super(unconfirmedMessage(progress.written, timeoutMs), progress);
    this.name = 'NscaUnconfirmedError';
    this.timeoutMs = timeoutMs;
  }
}

/** The sentence for results written but never confirmed (also for a write that had to wait too long). */
export function unconfirmedMessage(written: number, timeoutMs: number): string {
  return `NSCA receiver took ${plural(written, 'result')} but did not confirm reading them within ${timeoutMs / 1000} s: overloaded or wedged?`;
}

/** The delivery was ended from outside (shutdown); nothing of it is confirmed. */
export class NscaAbortedError extends NscaDeliveryError {
  readonly kind = 'aborted';
  constructor(progress: NscaProgress) {
    super(
      `delivery to NSCA server ${progress.endpoint} stopped at shutdown after ${progress.written} of ${plural(progress.total, 'result')} had been written; none is counted as delivered`,
      progress,
    );
    this.name = 'NscaAbortedError';
  }
}

/** The configured encryption method is not implemented, or not available in this process. */
export class UnsupportedEncryptionError extends Error {
  readonly method: number;
  /** Methods that work in this process. */
  readonly supported: readonly number[];
  constructor(method: number, message: string, supported: readonly number[]) {
    super(message);
    this.name = 'UnsupportedEncryptionError';
    this.method = method;
    this.supported = supported;
  }
}

export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

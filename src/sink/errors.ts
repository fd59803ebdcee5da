/**
 * Errors every transport shares. A result that breaks a transport's field rules is found while
 * preparing it, before anything goes on the wire, and is dropped (counted), never retried.
 */

/** A result that cannot be sent as it is; found before anything goes on the wire. */
export class InvalidResultError extends Error {
  /** Position of the result in the batch. */
  readonly index: number;
  readonly field: 'host' | 'service' | 'status' | 'output';
  readonly reason: string;
  constructor(index: number, field: InvalidResultError['field'], reason: string) {
    super(`result ${index + 1}: ${field} ${reason}`);
    this.name = 'InvalidResultError';
    this.index = index;
    this.field = field;
    this.reason = reason;
  }
}

/** Socket errors that mean no connection was made: the receiver is down or not where configured. */
export const CONNECT_FAILURE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

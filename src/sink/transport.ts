import type { PassiveCheckResult } from '../types.js';

/**
 * The seam between the delivering sink (queue, bounded buffer, overflow summaries, backoff,
 * drain, oldest pending sequence: transport-neutral) and one way of reaching a receiver
 * (NSCA, NSCA-ng, the Icinga 2 API). A transport knows its wire format and what counts as
 * proof of delivery there; the sink knows nothing of either.
 *
 * The rule every transport keeps: a result is reported confirmed only once the receiver has
 * proved it consumed it (NSCA: the server closed the connection after our half-close; NSCA-ng:
 * `OKAY` to its PUSH; Icinga 2: HTTP 200 with a per-result code 200). Anything else is not
 * confirmed, stays pending and is retried.
 */

export type TransportType = 'nsca' | 'nsca-ng' | 'icinga2';

/** What a result may carry on this transport; the throttle cuts and sanitises to these. */
export interface FieldLimits {
  readonly maxHostBytes: number;
  /** 0 when the transport cannot carry a service (never, today). */
  readonly maxServiceBytes: number;
  /** null: no limit of the transport's own (Icinga 2). */
  readonly maxOutputBytes: number | null;
}

/**
 * Why a delivery stopped short. Each reason is a stats key and picks the sink's reaction:
 * everything but `refused` is retried with backoff, holding the results.
 */
export type FailureReason =
  | 'unreachable' // no connection: refused, timed out, name not found
  | 'unconfirmed' // the receiver took results but gave no proof within the timeout (wedged?)
  | 'hung-up' // the receiver closed the connection while results were going out
  | 'rejected' // wrong password / key / method / identity: the receiver refuses us, not the result (NSCA-ng TLS alert, HTTP 401)
  | 'unauthorized' // credentials accepted, permission for this result refused (NSCA-ng FAIL, HTTP 403, Icinga's 404 "Missing permission")
  | 'untrusted' // the receiver's TLS certificate failed verification
  | 'server-error'; // the receiver answered that it failed (HTTP 5xx, NSCA-ng BAIL)

export interface DeliveryFailure {
  readonly reason: FailureReason;
  /** One sentence for the operator: what was seen and what to check. */
  readonly message: string;
  readonly cause?: unknown;
}

/** A result the receiver answered it will never take (Icinga 2: no such object): dropped, counted. */
export interface RefusedResult {
  /** Index into the delivered sequence (batch, then what was streamed). */
  readonly index: number;
  /** Stats key, e.g. `unknown-object`. */
  readonly reason: string;
  /** What the receiver said, and what to define on its side. */
  readonly message: string;
}

/**
 * The outcome of one delivery. `confirmed` results, counted from the front of what was handed
 * over (batch first, then what was streamed, in order), are delivered; `refused` ones among
 * them were answered "never" and are dropped (counted, not retried). The rest, if any, go back
 * to the front of the queue; `failure` says why they were not confirmed.
 */
export interface DeliveryReport {
  readonly confirmed: number;
  readonly refused: readonly RefusedResult[];
  readonly failure: DeliveryFailure | null;
}

/**
 * Results that arrive while a delivery is under way may join it (NSCA streams them over the
 * open connection for latency). A transport that cannot use this ignores it.
 */
export interface DeliveryStream<P> {
  /** Hands over results to send now (removed from the sink's queue); empty when none. */
  take(): readonly P[];
  /** Registers what the sink calls when it has results for `take()`. */
  subscribe(wake: () => void): void;
}

export interface DeliveryHooks<P> {
  /** The transport takes no more results for this delivery: the sink may start the next one. */
  readonly onWritten?: () => void;
  readonly stream?: DeliveryStream<P>;
}

/** One way of reaching a receiver. `P` is a result prepared for the wire (fields checked). */
export interface Transport<P> {
  readonly type: TransportType;
  /** host:port or URL, for logs and status. */
  readonly endpoint: string;
  readonly limits: FieldLimits;
  /** Checks and encodes one result; throws InvalidResultError (sink/errors) naming the field. */
  prepare(result: PassiveCheckResult): P;
  /** What `--dry-run` prints for a result, in this transport's own terms. */
  describe(result: PassiveCheckResult): string;
  /**
   * Delivers a batch; never rejects for a receiver problem (those are a `failure` in the
   * report). A rejection means a bug, which the sink logs and treats as an unconfirmed batch.
   */
  deliver(batch: readonly P[], hooks?: DeliveryHooks<P>): Promise<DeliveryReport>;
  /** Closes kept-alive connections (reload to another transport, shutdown). */
  close(): Promise<void>;
}

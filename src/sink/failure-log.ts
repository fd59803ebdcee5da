import type { DeliveryFailure, FailureReason, TransportType } from './transport.js';

/**
 * How the delivering sink words a failed delivery in its log: one headline per kind of failure,
 * and whether it is an error (only the operator can fix it: credentials, trust) or a warning
 * (the sink rides it out: warned about once per outage).
 */

/** The receiver's kind as operators name it, for log lines and summaries. */
export function transportLabel(type: TransportType): string {
  switch (type) {
    case 'nsca':
      return 'NSCA';
    case 'nsca-ng':
      return 'NSCA-ng';
    case 'icinga2':
      return 'Icinga 2';
    default: {
      const unknown: never = type;
      return String(unknown);
    }
  }
}

export function failureLevel(reason: FailureReason): 'error' | 'warn' {
  switch (reason) {
    case 'rejected':
    case 'unauthorized':
    case 'untrusted':
      return 'error';
    case 'unreachable':
    case 'unconfirmed':
    case 'hung-up':
    case 'server-error':
      return 'warn';
    default: {
      const unknown: never = reason;
      return unknown;
    }
  }
}

/**
 * The log message. Where the transport's own sentence says best what was seen (how many results
 * went unconfirmed, which credential is wrong) it is the message; the rest keep fixed wording
 * that operators and their alerting can match.
 */
export function failureHeadline(failure: DeliveryFailure, label: string): string {
  switch (failure.reason) {
    case 'unreachable':
      return `${label} receiver unreachable; holding results and retrying`;
    case 'hung-up':
      return `${label} receiver hung up on the results (stopped, restarted, or rejecting them); holding results and retrying`;
    case 'unconfirmed':
    case 'rejected':
    case 'unauthorized':
    case 'untrusted':
    case 'server-error':
      return failure.message;
    default: {
      const unknown: never = failure.reason;
      return String(unknown);
    }
  }
}

import type { DeliveryFailure } from '../transport.js';
import { CONNECT_FAILURE_CODES } from '../errors.js';

/**
 * What one `process-check-result` call came to, from Icinga 2's answer (or the lack of one).
 * The statuses are what the real Icinga 2.13 answers: 200 with a per-result code 200 when it
 * took the result; 404 "No objects found." for an unknown host/service, and also for a user
 * without the permission (2.13 never answers 403; with `verbose=1` its diagnostic says "Missing
 * permission: actions/process-check-result", which is how the two are told apart); 401 for a
 * wrong user or password.
 */
export type CallOutcome =
  | { readonly kind: 'taken' }
  /** Icinga will never take this result (no such object, a body it cannot use): drop, count. */
  | { readonly kind: 'refused'; readonly reason: 'unknown-object' | 'bad-request'; readonly message: string }
  | { readonly kind: 'failed'; readonly failure: DeliveryFailure };

export interface CallContext {
  readonly url: string;
  readonly user: string;
  /** `host!service` or the host. */
  readonly objectName: string;
  readonly objectKind: 'Service' | 'Host';
}

interface IcingaAnswer {
  readonly error?: number;
  readonly status?: string;
  readonly diagnostic_information?: string;
  readonly results?: readonly { readonly code?: number; readonly status?: string }[];
}

function parseAnswer(text: string): IcingaAnswer {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function defineHint(context: CallContext): string {
  if (context.objectKind === 'Host')
    return `define it: object Host "${context.objectName}" { check_command = "dummy"; enable_active_checks = false }`;
  const [host, ...service] = context.objectName.split('!');
  return `define it: object Service "${service.join('!')}" { host_name = "${host}"; check_command = "dummy"; enable_active_checks = false; volatile = true }`;
}

/** Classifies an HTTP answer. */
export function outcomeOfAnswer(status: number, text: string, context: CallContext): CallOutcome {
  const answer = parseAnswer(text);
  const api = `Icinga 2 API ${context.url}`;
  const said = answer.status ?? text.slice(0, 200);
  if (status === 200) {
    const code = answer.results?.[0]?.code;
    if (code === 200) return { kind: 'taken' };
    return {
      kind: 'failed',
      failure: {
        reason: 'server-error',
        message: `${api} answered 200 but not for the result of ${context.objectName} (code ${String(code)}: ${answer.results?.[0]?.status ?? said}); held and sent again`,
      },
    };
  }
  if (status === 404) {
    if (/missing permission/i.test(answer.diagnostic_information ?? '')) {
      return {
        kind: 'failed',
        failure: {
          reason: 'unauthorized',
          message: `${api}: user "${context.user}" lacks the permission actions/process-check-result (Icinga answers 404 "Missing permission"): add it to the ApiUser's permissions; results are held`,
        },
      };
    }
    return {
      kind: 'refused',
      reason: 'unknown-object',
      message: `${api} has no ${context.objectKind.toLowerCase()} "${context.objectName}" (404 ${said}); the result is dropped: ${defineHint(context)}`,
    };
  }
  if (status === 401) {
    return {
      kind: 'failed',
      failure: {
        reason: 'rejected',
        message: `${api} refused the credentials of user "${context.user}" (401 ${said}): check icinga2.user and the password against the ApiUser object; results are held`,
      },
    };
  }
  if (status === 403) {
    return {
      kind: 'failed',
      failure: {
        reason: 'unauthorized',
        message: `${api} forbids user "${context.user}" to submit results (403 ${said}): grant actions/process-check-result in its ApiUser; results are held`,
      },
    };
  }
  if (status === 400) {
    return {
      kind: 'refused',
      reason: 'bad-request',
      message: `${api} cannot use the result for ${context.objectName} (400 ${said}); the result is dropped`,
    };
  }
  return {
    kind: 'failed',
    failure: {
      reason: 'server-error',
      message: `${api} answered ${status} (${said}) for ${context.objectName}; held and sent again`,
    },
  };
}

/** TLS certificate problems Node reports when verification fails. */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

function codeOf(error: Error): string {
  return 'code' in error && typeof error.code === 'string' ? error.code : '';
}

/** Classifies a request that got no answer. `sent`: the request had gone out in full. */
export function outcomeOfError(
  error: Error | 'timeout',
  sent: boolean,
  context: CallContext,
  serverName: string,
): DeliveryFailure {
  const api = `Icinga 2 API ${context.url}`;
  if (error === 'timeout') {
    return sent
      ? {
          reason: 'unconfirmed',
          message: `${api} did not answer within the timeout after taking the result for ${context.objectName}: overloaded or wedged? Held and sent again`,
        }
      : { reason: 'unreachable', message: `${api}: no connection within the timeout (a firewall dropping packets?)` };
  }
  const code = codeOf(error);
  if (UNTRUSTED_CODES.has(code)) {
    return {
      reason: 'untrusted',
      message: `${api} presented a certificate that fails verification (${code}: ${error.message}): icinga2.ca_file must be the CA that signed it (Icinga's ca.crt) and icinga2.server_name its name ("${serverName}" was checked); results are held`,
      cause: error,
    };
  }
  if (CONNECT_FAILURE_CODES.has(code))
    return {
      reason: 'unreachable',
      message: `cannot connect to ${api}: ${code} (is icinga2 running with the api feature listening there?)`,
      cause: error,
    };
  if (code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up') {
    return {
      reason: 'hung-up',
      message: `${api} dropped the connection (${code || error.message}) before answering for ${context.objectName} (stopped or restarted?); held and sent again`,
      cause: error,
    };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return {
      reason: 'untrusted',
      message: `TLS with ${api} failed (${code}: ${error.message}): is that Icinga's API port?`,
      cause: error,
    };
  }
  return { reason: 'unreachable', message: `${api}: ${error.message}`, cause: error };
}

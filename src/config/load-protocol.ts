import type { Config } from './compile.js';
import type { ConfigProblem } from './errors.js';

/**
 * The messages between the daemon and its config loader process (src/config/load-process.ts),
 * structured-cloned over the IPC channel (serialization "advanced": undefined and nested
 * objects arrive as they were sent). Only plain data crosses: the validated `Config`, not the
 * compiled throttle settings (functions and class instances), which the daemon builds from it.
 */

export interface LoadRequest {
  readonly file: string;
  /** CompileOptions.hostname: the default Nagios host name (tests). */
  readonly hostname?: string;
}

export type LoadReply =
  | { readonly kind: 'ok'; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly kind: 'config-error'; readonly problems: readonly ConfigProblem[] }
  /** Anything else the loader threw: a bug, not a config problem; the message and stack say where. */
  | { readonly kind: 'failed'; readonly message: string };

export function isLoadRequest(message: unknown): message is LoadRequest {
  return typeof message === 'object' && message !== null && 'file' in message && typeof message.file === 'string';
}

export function isLoadReply(message: unknown): message is LoadReply {
  if (typeof message !== 'object' || message === null || !('kind' in message)) return false;
  return message.kind === 'ok' || message.kind === 'config-error' || message.kind === 'failed';
}

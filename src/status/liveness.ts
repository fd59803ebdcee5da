import type { StatusDocument } from './status-document.js';

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user (the unit's DynamicUser).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type Liveness =
  | { readonly kind: 'running'; readonly ageSeconds: number }
  | { readonly kind: 'stopped'; readonly ageSeconds: number }
  | { readonly kind: 'gone'; readonly ageSeconds: number }
  | { readonly kind: 'stale'; readonly ageSeconds: number; readonly boundSeconds: number };

/**
 * Is the daemon behind this status file still there and writing it? `gone`: its pid no longer
 * exists (killed, crashed). `stale`: the file is older than the bound (a wedged daemon, or a
 * reused pid). `stopped`: it ended normally and said so last.
 */
export function liveness(
  doc: StatusDocument,
  now: number,
  staleAfterSeconds: number,
  exists: (pid: number) => boolean = processExists,
): Liveness {
  const ageSeconds = Math.max(0, (now - Date.parse(doc.writtenAt)) / 1000);
  if (doc.state === 'stopped') return { kind: 'stopped', ageSeconds };
  if (!exists(doc.pid)) return { kind: 'gone', ageSeconds };
  if (ageSeconds > staleAfterSeconds) return { kind: 'stale', ageSeconds, boundSeconds: staleAfterSeconds };
  return { kind: 'running', ageSeconds };
}

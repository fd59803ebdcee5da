import { existsSync } from 'node:fs';

/** Where Linux distributions put the logs libwrap refusals land in (RHEL, Debian/Ubuntu, SUSE and others). */
export const PLATFORM_LOGS = ['/var/log/secure', '/var/log/auth.log', '/var/log/syslog', '/var/log/messages'] as const;

/**
 * A new user's first `npm start` follows the default `/var/log/secure`, which Debian never
 * creates, and waits for it forever. When a configured log is missing but this machine has
 * other platform logs, say which to configure instead of waiting silently. Null when nothing
 * is missing or there is nothing better to suggest.
 */
export function missingLogHint(
  paths: readonly string[],
  exists: (path: string) => boolean = existsSync,
): string | null {
  const missing = paths.filter((path) => !exists(path));
  if (missing.length === 0) return null;
  const present = PLATFORM_LOGS.filter((path) => !paths.includes(path) && exists(path));
  if (present.length === 0) return null;
  const suggestion =
    present.length === 1 ? `path = "${present[0]}"` : `path = [${present.map((p) => `"${p}"`).join(', ')}]`;
  return `${missing.join(', ')} does not exist (waiting for it to appear), but this machine logs to ${present.join(', ')}: set ${suggestion} in [source] of the config`;
}

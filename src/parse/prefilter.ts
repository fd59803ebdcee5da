/**
 * Cheap first look at every line: each refusal message contains one of these phrases, and
 * ordinary auth chatter (sshd logins, sudo, CRON, pam) contains none. Substring searches
 * are far cheaper than header and message patterns, and a false positive only costs that
 * full parse. The line splitter runs the same phrases over whole chunks (`keep`), so most
 * lines never even become strings.
 *
 *   refus        libwrap "refused connect", xinetd "libwrap refused", inetd, tftpd, socat "refusing"
 *   FAIL:        xinetd "FAIL: svc libwrap from="
 *   REFUSED      stunnel "REFUSED by libwrap"
 *   unauthorized rpcbind "request from unauthorized host"
 */
export const REFUSAL_PHRASES = ['refus', 'FAIL: ', 'REFUSED', 'unauthorized host'] as const;

export function mightBeRefusal(line: string): boolean {
  for (const phrase of REFUSAL_PHRASES) if (line.includes(phrase)) return true;
  return false;
}

import { parseAddress } from '../parse/address.js';

/**
 * The host name part of a libwrap client text, as hosts_access itself would have matched it.
 *
 * libwrap logs the client as `eval_client()`: `user@host` when an ident user is known, else
 * `host`, where host is the name when one is known and the address otherwise. The user part
 * is the client's own ident reply, cut at the first blank, and may itself contain `@`
 * (`root@6.6.6.6@127.0.0.2`), while a host name that passed the resolver cannot. So the name
 * is the text after the LAST `@`, and a name that is an address means "no name known": in
 * `root@6.6.6.6@127.0.0.2` hosts_access saw host 127.0.0.2, and the attacker's 6.6.6.6 is
 * never matched.
 *
 * Even the name is attacker-controlled: it comes from reverse DNS of the attacker's address.
 * libwrap's double-reverse check keeps it from claiming names in zones it does not control,
 * but anyone able to write to syslog can forge the whole line. Prefer address patterns.
 */
export function clientHostName(client: string | null): string | null {
  if (client === null) return null;
  const name = client.slice(client.lastIndexOf('@') + 1);
  if (name === '' || name === 'unknown' || name === 'paranoid') return null;
  if (parseAddress(name) !== null) return null;
  return name;
}

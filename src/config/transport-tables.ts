import { z } from 'zod';

/**
 * The `[nsca_ng]` and `[icinga2]` tables. Strict like every table: a typo is an error. Each is
 * validated whenever it is present (a malformed table is refused even while another transport
 * is selected), and the selected transport's table must be usable (see selectedTableProblems).
 * The password rules are `[nsca]`'s: at most one of password, password_file,
 * password_credential.
 */

const nonEmpty = z.string().min(1);
const timeoutSeconds = z.number().min(0.1).max(300).default(10);

const passwordFields = {
  password: z.string().optional(),
  password_file: nonEmpty.optional(),
  /** Name of a systemd credential (LoadCredential=) holding the password. */
  password_credential: nonEmpty.optional(),
};

interface PasswordTable {
  readonly password?: string | undefined;
  readonly password_file?: string | undefined;
  readonly password_credential?: string | undefined;
}

function onlyOnePassword(table: PasswordTable, ctx: z.RefinementCtx): void {
  const given = (['password', 'password_file', 'password_credential'] as const).filter((k) => table[k] !== undefined);
  if (given.length > 1) {
    for (const key of given)
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `set only one of password, password_file, password_credential (found ${given.join(', ')})`,
      });
  }
}

export const nscaNgSchema = z
  .strictObject({
    host: nonEmpty.default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(5668),
    /** The PSK identity, the title of the server's `authorize` block; default this host's name. */
    identity: nonEmpty
      .refine(
        (id) => /^[\x21-\x7e]+$/.test(id),
        'must be printable ASCII without spaces (it is sent as the TLS PSK identity)',
      )
      .optional(),
    ...passwordFields,
    timeout_seconds: timeoutSeconds,
  })
  .superRefine(onlyOnePassword);

export const icinga2Schema = z
  .strictObject({
    /** The API's base URL, e.g. https://icinga.example:5665 (no path). */
    url: nonEmpty.superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a URL; expected e.g. "https://icinga.example:5665"' });
        return;
      }
      if (url.protocol !== 'https:')
        ctx.addIssue({
          code: 'custom',
          message: `must be https (the Icinga 2 API speaks only TLS), not ${url.protocol.replace(':', '')}`,
        });
      if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
        ctx.addIssue({
          code: 'custom',
          message: 'give only scheme, host and port; wrapwatch adds /v1/actions/process-check-result',
        });
      if (url.username !== '' || url.password !== '')
        ctx.addIssue({
          code: 'custom',
          message: 'put the user in icinga2.user and the password in icinga2.password_file, not in the URL',
        });
    }),
    user: nonEmpty,
    ...passwordFields,
    /** The Icinga CA certificate (PEM; on the Icinga host /var/lib/icinga2/certs/ca.crt). */
    ca_file: nonEmpty,
    /** The name in the server's certificate, when the URL's host is an IP or another name. */
    server_name: nonEmpty.optional(),
    timeout_seconds: timeoutSeconds,
  })
  .superRefine(onlyOnePassword);

export type NscaNgTable = z.output<typeof nscaNgSchema>;
export type Icinga2Table = z.output<typeof icinga2Schema>;

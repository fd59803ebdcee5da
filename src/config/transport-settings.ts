import { access, constants } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ConfigProblem } from './errors.js';
import { resolvePassword, type ResolvedPassword, type SecretOptions } from './secrets.js';
import { nscaNgSchema, type Icinga2Table, type NscaNgTable } from './transport-tables.js';

/**
 * The `[nsca_ng]` and `[icinga2]` tables as the transports get them: passwords read, the
 * NSCA-ng identity defaulted to the host name. The selected transport's table must be usable:
 * `[icinga2]` has no defaults for url, user and ca_file, so selecting it without the table is
 * an error; `[nsca_ng]` may be left out but, like `[icinga2]`, needs a password.
 */

type WithoutPasswords<T> = Omit<T, 'password' | 'password_file' | 'password_credential'> & ResolvedPassword;

export type NscaNgConfig = WithoutPasswords<Omit<NscaNgTable, 'identity'>> & { identity: string };
export type Icinga2Config = WithoutPasswords<Icinga2Table>;

export interface TransportTables {
  readonly nsca_ng?: NscaNgTable | undefined;
  readonly icinga2?: Icinga2Table | undefined;
}

export interface ResolvedTransportTables {
  nsca_ng?: NscaNgConfig;
  icinga2?: Icinga2Config;
}

function needsPassword(resolved: ResolvedPassword, table: string, problems: ConfigProblem[]): void {
  if (resolved.password === '' && !resolved.passwordSource.startsWith('systemd credential') && !problems.some((p) => p.path.startsWith(`${table}.password`))) {
    problems.push({ path: `${table}.password_file`, message: `[output] type selects this transport, which needs a password: set ${table}.password_file (or password_credential, or password)` });
  }
}

export async function resolveTransportTables(
  tables: TransportTables,
  selected: string,
  options: SecretOptions & { readonly hostname?: string },
  problems: ConfigProblem[],
): Promise<ResolvedTransportTables> {
  const out: ResolvedTransportTables = {};
  const nscaNgTable = tables.nsca_ng ?? (selected === 'nsca-ng' ? nscaNgSchema.parse({}) : undefined);
  if (nscaNgTable) {
    const { password: _p, password_file: _f, password_credential: _c, identity, ...rest } = nscaNgTable;
    const resolved = await resolvePassword(nscaNgTable, 'nsca_ng', options, problems);
    if (selected === 'nsca-ng') needsPassword(resolved, 'nsca_ng', problems);
    out.nsca_ng = { ...rest, identity: identity ?? options.hostname ?? hostname(), ...resolved };
  }
  if (tables.icinga2) {
    const { password: _p, password_file: _f, password_credential: _c, ...rest } = tables.icinga2;
    const resolved = await resolvePassword(tables.icinga2, 'icinga2', options, problems);
    if (selected === 'icinga2') {
      needsPassword(resolved, 'icinga2', problems);
      // Found now rather than as an "untrusted" delivery failure at the first result.
      try {
        await access(tables.icinga2.ca_file, constants.R_OK);
      } catch (err) {
        problems.push({ path: 'icinga2.ca_file', message: `cannot read ${tables.icinga2.ca_file}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (copy Icinga's ca.crt there)` });
      }
    }
    out.icinga2 = { ...rest, ...resolved };
  } else if (selected === 'icinga2') {
    problems.push({ path: 'icinga2', message: '[output] type = "icinga2" needs an [icinga2] table with url, user, ca_file and a password (see config/wrapwatch.toml)' });
  }
  return out;
}

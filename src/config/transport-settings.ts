import { access, constants } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { ConfigProblem } from './errors.js';
import { resolvePassword, type PasswordSource, type ResolvedPassword } from './password.js';
import { nscaNgSchema, type Icinga2Table, type NscaNgTable } from './transport-tables.js';

/**
 * The `[nsca_ng]` and `[icinga2]` tables as the transports get them: passwords read (the rules
 * and warnings of [nsca]'s), the NSCA-ng identity defaulted to the host name. The selected
 * transport's table must be usable: `[icinga2]` has no defaults for url, user and ca_file, so
 * selecting it without the table is an error; `[nsca_ng]` may be left out but, like
 * `[icinga2]`, needs a password.
 */

type WithoutPasswords<T> = Omit<T, 'password' | 'password_file' | 'password_credential'> & {
  password: string;
  /** Where the password came from: printed back by check-config (never the password itself). */
  passwordFrom: PasswordSource;
};

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

export interface TransportTableOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly hostname?: string | undefined;
}

function needsPassword(resolved: ResolvedPassword, table: string, problems: ConfigProblem[]): void {
  if (resolved.password === '' && !problems.some((p) => p.path.startsWith(`${table}.password`))) {
    problems.push({
      path: `${table}.password_file`,
      message: `[output] type selects this transport, which needs a password: set ${table}.password_file (or password_credential, or password)`,
    });
  }
}

export async function resolveTransportTables(
  tables: TransportTables,
  selected: string,
  options: TransportTableOptions,
  problems: ConfigProblem[],
  warnings: string[],
): Promise<ResolvedTransportTables> {
  const out: ResolvedTransportTables = {};
  const nscaNgTable = tables.nsca_ng ?? (selected === 'nsca-ng' ? nscaNgSchema.parse({}) : undefined);
  if (nscaNgTable) {
    const { password, password_file, password_credential, identity, ...rest } = nscaNgTable;
    const resolved = await resolvePassword(
      { password, password_file, password_credential },
      options.env,
      problems,
      warnings,
      'nsca_ng',
    );
    if (selected === 'nsca-ng') needsPassword(resolved, 'nsca_ng', problems);
    out.nsca_ng = {
      ...rest,
      identity: identity ?? options.hostname ?? hostname(),
      password: resolved.password,
      passwordFrom: resolved.source,
    };
  }
  if (tables.icinga2) {
    const { password, password_file, password_credential, ...rest } = tables.icinga2;
    const resolved = await resolvePassword(
      { password, password_file, password_credential },
      options.env,
      problems,
      warnings,
      'icinga2',
    );
    if (selected === 'icinga2') {
      needsPassword(resolved, 'icinga2', problems);
      // Found now rather than as an "untrusted" delivery failure at the first result.
      try {
        await access(rest.ca_file, constants.R_OK);
      } catch (err) {
        problems.push({
          path: 'icinga2.ca_file',
          message: `cannot read ${rest.ca_file}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (copy Icinga's ca.crt there)`,
        });
      }
    }
    out.icinga2 = { ...rest, password: resolved.password, passwordFrom: resolved.source };
  } else if (selected === 'icinga2') {
    problems.push({
      path: 'icinga2',
      message:
        '[output] type = "icinga2" needs an [icinga2] table with url, user, ca_file and a password (see config/wrapwatch.toml)',
    });
  }
  return out;
}

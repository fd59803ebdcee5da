import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigProblem } from './errors.js';

/**
 * Reads a table's password from wherever it is configured: inline, a file, or a systemd
 * credential. Problems are collected, not thrown, so check-config can list them all.
 */

export interface PasswordSettings {
  readonly password?: string | undefined;
  readonly password_file?: string | undefined;
  readonly password_credential?: string | undefined;
}

export interface ResolvedPassword {
  readonly password: string;
  /** Where it came from, for the redacted print-out. */
  readonly passwordSource: string;
}

export interface SecretOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** check-config outside systemd: a credential is reported as read at service start. */
  readonly credentialsLater?: boolean;
}

async function readSecret(file: string, field: string, problems: ConfigProblem[]): Promise<string | undefined> {
  try {
    // A password file written with `echo` ends in a newline that is not part of the password.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    problems.push({ path: field, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return undefined;
  }
}

export async function resolvePassword(table: PasswordSettings, tableName: string, options: SecretOptions, problems: ConfigProblem[]): Promise<ResolvedPassword> {
  if (table.password_file !== undefined) {
    return { password: (await readSecret(table.password_file, `${tableName}.password_file`, problems)) ?? '', passwordSource: table.password_file };
  }
  if (table.password_credential !== undefined) {
    const dir = (options.env ?? process.env).CREDENTIALS_DIRECTORY;
    if (!dir && options.credentialsLater) return { password: '', passwordSource: `systemd credential ${table.password_credential}, read when the service starts` };
    if (!dir) {
      problems.push({ path: `${tableName}.password_credential`, message: 'CREDENTIALS_DIRECTORY is not set: use LoadCredential= in the systemd unit, or password_file' });
      return { password: '', passwordSource: 'none' };
    }
    return {
      password: (await readSecret(join(dir, table.password_credential), `${tableName}.password_credential`, problems)) ?? '',
      passwordSource: `credential ${table.password_credential}`,
    };
  }
  return table.password !== undefined ? { password: table.password, passwordSource: `${tableName}.password` } : { password: '', passwordSource: 'none' };
}

/** What check-config prints instead of a password. */
export function redactedPassword(resolved: ResolvedPassword): string {
  if (resolved.password !== '') return `(redacted, from ${resolved.passwordSource})`;
  return resolved.passwordSource.startsWith('systemd credential') ? `(${resolved.passwordSource})` : '(none)';
}

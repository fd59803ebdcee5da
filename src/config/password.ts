import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigProblem } from './errors.js';

/** Where a password ([nsca], [nsca_ng], [icinga2]) comes from, kept so the effective config prints it back. */
export type PasswordSource =
  | { readonly kind: 'none' }
  | { readonly kind: 'inline' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'credential'; readonly name: string };

export interface PasswordKeys {
  readonly password?: string | undefined;
  readonly password_file?: string | undefined;
  readonly password_credential?: string | undefined;
}

export interface ResolvedPassword {
  readonly password: string;
  readonly source: PasswordSource;
}

async function readSecret(file: string, field: string, problems: ConfigProblem[]): Promise<string | undefined> {
  try {
    // A password file written with `echo` ends in a newline that is not part of the password.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied (the service user must be able to read it)'
          : (code ?? String(err));
    problems.push({ path: field, message: `cannot read ${file}: ${why}` });
    return undefined;
  }
}

/** Like ssh with a private key: a secret others can read is worth a loud warning. */
async function permissionWarning(file: string, table: string): Promise<string | null> {
  try {
    const mode = (await stat(file)).mode & 0o777;
    if ((mode & 0o004) === 0) return null;
    return `${table}.password_file: permissions ${mode.toString(8).padStart(4, '0')} for ${file} are too open: every local user can read the ${table === 'nsca' ? 'NSCA' : `[${table}]`} password; run chmod 0640 (owner root, group of the service) or chmod 0600`;
  } catch {
    return null; // unreadable files are reported as a problem by readSecret
  }
}

/**
 * Resolves the one configured password source. A systemd credential is read from
 * $CREDENTIALS_DIRECTORY, which systemd sets for the service's commands (ExecStart=,
 * ExecReload=): outside systemd the problem says how to provide it, the same for `run`,
 * `check-config` and a reload.
 */
export async function resolvePassword(
  keys: PasswordKeys,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  warnings: string[],
  table = 'nsca',
): Promise<ResolvedPassword> {
  if (keys.password_file !== undefined) {
    const warning = await permissionWarning(keys.password_file, table);
    if (warning !== null) warnings.push(warning);
    const password = (await readSecret(keys.password_file, `${table}.password_file`, problems)) ?? '';
    return { password, source: { kind: 'file', path: keys.password_file } };
  }
  if (keys.password_credential !== undefined) {
    const name = keys.password_credential;
    const dir = env.CREDENTIALS_DIRECTORY;
    if (!dir) {
      problems.push({
        path: `${table}.password_credential`,
        message:
          `the credential "${name}" is read from $CREDENTIALS_DIRECTORY, which systemd sets for the service (LoadCredential=${name}:/etc/wrapwatch/${name}); ` +
          `outside systemd point it at the directory holding the file, e.g. CREDENTIALS_DIRECTORY=/etc/wrapwatch wrapwatch check-config ..., or use password_file`,
      });
      return { password: '', source: { kind: 'credential', name } };
    }
    const password = (await readSecret(join(dir, name), `${table}.password_credential`, problems)) ?? '';
    return { password, source: { kind: 'credential', name } };
  }
  if (keys.password !== undefined) return { password: keys.password, source: { kind: 'inline' } };
  return { password: '', source: { kind: 'none' } };
}

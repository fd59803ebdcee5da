import { stringify } from 'smol-toml';
import type { Config } from './compile.js';
import type { PasswordSource } from './password.js';

/**
 * The effective configuration as TOML that loads back: schema keys (`source.path`, the password
 * source's own key), every default spelled out. An inline password is the one thing left out;
 * a comment says so, and the file printed then loads with no password.
 */
export function effectiveConfigToml(config: Config): string {
  const { paths, ...source } = config.source;
  const notes: string[] = [];
  const withPasswordKeys = <T extends { password: string; passwordFrom: PasswordSource }>(
    table: string,
    settings: T,
  ) => {
    const { password: _secret, passwordFrom, ...rest } = settings;
    const passwordKeys: Record<string, string> = {};
    switch (passwordFrom.kind) {
      case 'none':
        break;
      case 'inline':
        notes.push(
          `# [${table}] password is set in the file and left out here (redacted): add it back, or better, use password_file.`,
        );
        break;
      case 'file':
        passwordKeys.password_file = passwordFrom.path;
        break;
      case 'credential':
        passwordKeys.password_credential = passwordFrom.name;
        break;
      default: {
        const unknown: never = passwordFrom;
        throw new Error(`unknown password source ${JSON.stringify(unknown)}`);
      }
    }
    return { ...rest, ...passwordKeys };
  };
  const doc = {
    ...config,
    source: { ...source, path: paths.length === 1 ? paths[0] : paths },
    nsca: withPasswordKeys('nsca', config.nsca),
    ...(config.nsca_ng ? { nsca_ng: withPasswordKeys('nsca_ng', config.nsca_ng) } : {}),
    ...(config.icinga2 ? { icinga2: withPasswordKeys('icinga2', config.icinga2) } : {}),
  };
  return `${notes.map((n) => `${n}\n`).join('')}${stringify(sortedKeys(doc))}\n`;
}

/** Keys in a fixed (alphabetical) order, so printing a printed config gives the same text. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

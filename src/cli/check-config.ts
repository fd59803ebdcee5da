import { effectiveConfigToml } from '../config/effective.js';
import { loadCompiledConfig } from '../config/load.js';
import { ConfigError, EX_CONFIG } from '../config/errors.js';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.js';
import { parseCommandLine } from './usage.js';

const USAGE = `usage: wrapwatch check-config [--quiet] [--config FILE]

Validates FILE (default /etc/wrapwatch/wrapwatch.toml) exactly as "wrapwatch run" and a
reload (SIGHUP) do: schema, rules, encryption method available in this process, password
file or systemd credential readable. Prints the effective configuration as TOML that loads
back (defaults filled in; an inline password left out, with a comment) and exits 0, with
warnings on stderr; or lists every bad field by its dotted path and exits ${EX_CONFIG}.
A password_credential is read from $CREDENTIALS_DIRECTORY (set by systemd for the service's
ExecStart= and ExecReload=); from a shell: CREDENTIALS_DIRECTORY=/etc/wrapwatch wrapwatch check-config ...
--quiet prints nothing when the file is valid (the unit's ExecReload= runs it before SIGHUP).`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      options: {
        config: { type: 'string', short: 'c' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = args.values.config ?? DEFAULT_CONFIG_FILE;
  try {
    const { config, warnings } = await loadCompiledConfig(file);
    for (const warning of warnings) process.stderr.write(`wrapwatch: warning: ${warning}\n`);
    if (args.values.quiet !== true)
      process.stdout.write(`# ${file}: configuration is valid. Effective settings:\n${effectiveConfigToml(config)}`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wrapwatch: ${err.message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
}

import { stringify } from 'smol-toml';
import { loadConfig, redactedConfig } from '../config/load.js';
import { ConfigError, EX_CONFIG } from '../config/errors.js';
import { parseCommandLine } from './usage.js';

const USAGE = `usage: wrapwatch check-config [--config FILE]

Validates FILE (default /etc/wrapwatch/wrapwatch.toml). Prints the effective configuration,
defaults filled in and the password redacted, and exits 0; or lists every bad field by its
dotted path and exits ${EX_CONFIG}.`;

export const DEFAULT_CONFIG_FILE = '/etc/wrapwatch/wrapwatch.toml';

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }, USAGE);
  if (typeof args === 'number') return args;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = args.values.config ?? DEFAULT_CONFIG_FILE;
  try {
    const config = await loadConfig(file, { credentialsLater: true });
    process.stdout.write(`# ${file}: configuration is valid. Effective settings:\n${stringify(redactedConfig(config))}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wrapwatch: ${err.message}\n`);
      return EX_CONFIG;
    }
    throw err;
  }
}

import { ConfigError, EX_CONFIG } from '../config/errors.js';
import { loadCompiledConfigIsolated } from '../config/load-isolated.js';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.js';
import { parseCommandLine } from './usage.js';

const USAGE = `usage: wrapwatch run [--config FILE] [--dry-run]

Follows the configured log, turns libwrap refusals into Nagios passive check results and
sends them to the receiver of [output]. FILE defaults to ${DEFAULT_CONFIG_FILE}.
--dry-run prints the results instead of sending them (on stdout; the log goes to stderr): as
the lines nsca would write to the Nagios command file, or for [output] type = "icinga2" as
the API requests' JSON bodies. It leaves the checkpoints as they were, so the real service
still reports what the trial read.

Signals: SIGTERM/SIGINT drain and exit 0, within state.stop_timeout_seconds whatever the
receiver does; SIGHUP reloads the config (a broken one is reported and the running one
stays). Exit 78 on a config error at start, 73 when [state] directory cannot be used.`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      options: {
        config: { type: 'string', short: 'c' },
        'dry-run': { type: 'boolean' },
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
  const dryRun = args.values['dry-run'] === true;

  // The config is read in a child process (load-isolated.ts) while this process loads the
  // daemon's modules: on two CPUs the two start-ups overlap instead of adding up.
  const compiling = loadCompiledConfigIsolated(file);
  const daemonModules = import('./run-daemon.js');
  // Settled below only when the config is good; a failed load must not leave it unobserved.
  daemonModules.catch(() => undefined);
  let compiled;
  try {
    compiled = await compiling;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wrapwatch: ${err.message}\n`);
    return EX_CONFIG;
  }
  const { runDaemon } = await daemonModules;
  return runDaemon({ file, dryRun, ...compiled });
}

import { ConfigError, EX_CONFIG } from '../config/errors.js';
import { loadConfig, type Config } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { chooseLogFormat, createLogger } from '../log/logger.js';
import { DryRunSink } from '../sink/dry-run-sink.js';
import { createSinkTarget } from '../sink/create-transport.js';
import { DeliveringSink } from '../sink/delivering-sink.js';
import { assertEncryptionMethod } from '../sink/nsca/ciphers.js';
import { UnsupportedEncryptionError } from '../sink/nsca/errors.js';
import { CheckpointError, CheckpointVersionError } from '../state/checkpoint-store.js';
import { DEFAULT_CONFIG_FILE } from './check-config.js';
import { parseCommandLine } from './usage.js';
import { pino } from 'pino';

const USAGE = `usage: wrapwatch run [--config FILE] [--dry-run]

Follows the configured log, turns libwrap refusals into Nagios passive check results and
sends them to the NSCA receiver. FILE defaults to ${DEFAULT_CONFIG_FILE}.
--dry-run prints the results as the lines nsca would write to the Nagios command file
(on stdout; the log goes to stderr) instead of sending them, and leaves the checkpoints
as they were, so the real service still reports what the trial read.

Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config (a broken one is
reported and the running one stays). Exit 78 on a config error at start.`;

/** Exit status for a state directory that cannot be used (sysexits EX_CANTCREAT). */
const EX_CANTCREAT = 73;

/** The method is part of the config: one this process cannot do is a config error (exit 78). */
function receiverProblem(config: Config, file: string): ConfigError | null {
  try {
    assertEncryptionMethod(config.nsca.encryption);
    return null;
  } catch (err) {
    if (err instanceof UnsupportedEncryptionError) return new ConfigError(file, [{ path: 'nsca.encryption', message: err.message }]);
    throw err;
  }
}

async function loadChecked(file: string): Promise<Config> {
  const config = await loadConfig(file);
  const problem = receiverProblem(config, file);
  if (problem) throw problem;
  return config;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { options: { config: { type: 'string', short: 'c' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }, USAGE);
  if (typeof args === 'number') return args;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const file = args.values.config ?? DEFAULT_CONFIG_FILE;
  const dryRun = args.values['dry-run'] === true;

  let config: Config;
  try {
    config = await loadChecked(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`wrapwatch: ${err.message}\n`);
    return EX_CONFIG;
  }

  // In a dry run stdout carries the results, so the log moves to stderr.
  const logger = createLogger({
    level: config.log.level,
    format: chooseLogFormat(process.env, dryRun ? process.stderr.isTTY === true : process.stdout.isTTY === true),
    destination: pino.destination({ dest: dryRun ? 2 : 1, sync: true }),
  });
  const target = createSinkTarget(config);
  const sink = dryRun ? new DryRunSink((text) => process.stdout.write(text), (result) => target.transport.describe(result)) : new DeliveringSink({ target, logger });
  const daemon = new Daemon({ config, logger, sink, sinkTarget: createSinkTarget, readOnlyState: dryRun });

  // The handlers go in before the start, which can take a while (checkpoint fsync, a large file
  // to open): a stop or reload sent meanwhile must not meet the default action, which for
  // SIGTERM and SIGHUP is to die on the spot. Until the start is complete they are deferred.
  let started = false;
  let stopping = false;
  let reloadWhenStarted = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const drainAndExit = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping: delivering what is pending');
    // Bounded: systemd's TimeoutStopSec (30 s) must not run out first.
    const drainMs = Math.min(20_000, config.nsca.timeout_seconds * 1000 + config.nsca.linger_ms + 1000);
    daemon.stop(drainMs).then(
      () => finish(0),
      (err: unknown) => {
        logger.error({ error: err instanceof Error ? err.message : String(err) }, 'error while stopping');
        finish(1);
      },
    );
  };
  let deferredStop: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once; undelivered lines will be read again at the next start');
      finish(1);
      return;
    }
    stopping = true;
    if (started) drainAndExit(signal);
    else deferredStop = signal;
  };
  const reload = () => {
    if (!started) {
      reloadWhenStarted = true;
      return;
    }
    loadChecked(file).then(
      (next) => {
        let needRestart: string[];
        try {
          needRestart = daemon.reconfigure(next);
        } catch (err) {
          logger.error({ file, error: err instanceof Error ? err.message : String(err) }, 'cannot apply the new configuration; keeping the running one');
          return;
        }
        logger.level = next.log.level;
        config = next;
        logger.info({ file, needRestart }, needRestart.length > 0 ? `configuration reloaded; changes to [${needRestart.join('], [')}] take effect at the next restart` : 'configuration reloaded');
      },
      (err: unknown) => {
        if (err instanceof ConfigError) {
          for (const problem of err.problems) logger.error({ file, field: problem.path, problem: problem.message }, 'bad configuration field; keeping the running configuration');
        } else {
          logger.error({ file, error: err instanceof Error ? err.message : String(err) }, 'cannot reload the configuration; keeping the running one');
        }
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', reload);

  try {
    // A second signal during the start ends the process without waiting for it.
    const early = await Promise.race([daemon.start().then(() => null), finished]);
    if (early !== null) return early;
  } catch (err) {
    if (err instanceof CheckpointError || err instanceof CheckpointVersionError) {
      logger.fatal({ error: err.message, directory: config.state.directory }, 'cannot use the state directory');
      return EX_CANTCREAT;
    }
    throw err;
  }
  started = true;
  if (deferredStop !== null) drainAndExit(deferredStop);
  else if (reloadWhenStarted) reload();
  return finished;
}

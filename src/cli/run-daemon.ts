import type { CompiledConfig } from '../config/compile.js';
import { ConfigError } from '../config/errors.js';
import { loadCompiledConfigIsolated } from '../config/load-isolated.js';
import { Daemon } from '../daemon/daemon.js';
import { chooseLogFormat, createLogger } from '../log/logger.js';
import { DryRunSink } from '../sink/dry-run-sink.js';
import { loadSinkTargetFactory } from '../sink/create-transport.js';
import { DeliveringSink } from '../sink/delivering-sink.js';
import { CheckpointError, CheckpointVersionError } from '../state/checkpoint-store.js';
import { missingLogHint } from './platform-logs.js';
import { ServiceStatus } from '../status/service-status.js';
import { realScheduler, type Timer } from '../time/scheduler.js';
import { pino } from 'pino';

/** Exit status for a state directory that cannot be used (sysexits EX_CANTCREAT). */
const EX_CANTCREAT = 73;

/**
 * The stop deadline's way out. process.exit() is no way out when a file system call hangs in a
 * libuv worker (a FIFO as the checkpoint file, a dead NFS mount): exiting waits for that worker
 * forever. The kernel's default action for SIGTERM does not, and systemd counts a service that
 * died of SIGTERM during a stop as stopped cleanly.
 */
function dieBySigterm(): never {
  process.removeAllListeners('SIGTERM');
  process.kill(process.pid, 'SIGTERM');
  // Not reached once the default action is back; should a handler remain, do not linger.
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

/** Time kept back from the stop budget for committing and closing after the drain. */
const STOP_RESERVE_MS = 1500;

function stateDirectoryHint(file: string): string {
  return (
    `set [state] directory in ${file} to a directory this user can write (e.g. directory = "/tmp/wrapwatch-state" for a try-out), ` +
    'or run as root / as the systemd service (StateDirectory=wrapwatch)'
  );
}

export interface RunDaemonOptions extends CompiledConfig {
  /** The config file, read again on SIGHUP. */
  readonly file: string;
  readonly dryRun: boolean;
}

/** The daemon's life once its config is valid: start, signals, reloads, the bounded stop. */
export async function runDaemon(options: RunDaemonOptions): Promise<number> {
  const { file, dryRun, warnings } = options;
  let config = options.config;
  const throttleSettings = options.throttle;
  // In a dry run stdout carries the results, so the log moves to stderr.
  const logger = createLogger({
    level: config.log.level,
    format: chooseLogFormat(process.env, dryRun ? process.stderr.isTTY : process.stdout.isTTY),
    destination: pino.destination({ dest: dryRun ? 2 : 1, sync: true }),
  });
  // Replaced by a reload that selects another [output] type, before the daemon is reconfigured.
  let sinkTarget = await loadSinkTargetFactory(config.output.type);
  const target = sinkTarget(config);
  const sink = dryRun
    ? new DryRunSink(
        (text) => process.stdout.write(text),
        (result) => target.transport.describe(result),
      )
    : new DeliveringSink({
        target,
        logger,
        scheduler: realScheduler,
        // The status reporter is built below; the sink delivers nothing before the daemon starts.
        onReceiverChange: () => {
          service.receiverChanged();
        },
      });
  for (const warning of warnings) logger.warn({ file }, warning);
  if (dryRun) {
    logger.info(
      { file },
      config.output.type === 'icinga2'
        ? 'DRY RUN: results are printed on stdout as the Icinga 2 API requests (JSON bodies) wrapwatch would send; nothing is sent and no checkpoint is written'
        : 'DRY RUN: results are printed on stdout as the lines nsca would write to the Nagios command file; nothing is sent and no checkpoint is written',
    );
  }
  if (config.source.type === 'file') {
    const hint = missingLogHint(config.source.paths);
    if (hint !== null) logger.warn({ file, paths: config.source.paths }, hint);
  }
  const daemon = new Daemon({
    config,
    throttleSettings,
    logger,
    sink,
    sinkTarget: (next) => sinkTarget(next),
    readOnlyState: dryRun,
    scheduler: realScheduler,
  });
  const service = new ServiceStatus({
    config,
    configFile: file,
    env: process.env,
    logger,
    scheduler: realScheduler,
    snapshot: () => daemon.snapshot(),
  });

  // The handlers go in before the start, which can take a while (checkpoint fsync, a large file
  // to open): a stop or reload sent meanwhile must not meet the default action, which for
  // SIGTERM and SIGHUP is to die on the spot. Until the start is complete they are deferred.
  let started = false;
  let stopping = false;
  let reloadWhenStarted = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  // The whole stop is bounded by state.stop_timeout_seconds (below the unit's TimeoutStopSec),
  // whatever the receiver does: past it the process exits, and the lines whose results were
  // not delivered stay uncommitted, so the next start reads them again. Nothing is lost.
  let stopDeadline: Timer | null = null;
  const armStopDeadline = () => {
    if (stopDeadline !== null) return;
    const budgetMs = config.state.stop_timeout_seconds * 1000;
    stopDeadline = realScheduler
      .timeout(() => {
        logger.error(
          { stopTimeoutSeconds: config.state.stop_timeout_seconds },
          'stop took longer than state.stop_timeout_seconds; exiting now (undelivered lines are read again at the next start)',
        );
        dieBySigterm();
      }, budgetMs)
      .unref();
  };
  const drainAndExit = (signal: NodeJS.Signals) => {
    logger.info(
      { signal, stopTimeoutSeconds: config.state.stop_timeout_seconds },
      'stopping: delivering what is pending',
    );
    service.stopping();
    const budgetMs = config.state.stop_timeout_seconds * 1000;
    const drainMs = Math.max(
      0,
      Math.min(budgetMs - 2 * STOP_RESERVE_MS, config.nsca.timeout_seconds * 1000 + config.nsca.linger_ms + 1000),
    );
    const done = (code: number) => {
      finish(code);
      // An abandoned delivery attempt may hold a socket open until its own timeout: once the
      // stop is complete nothing else is worth waiting for (stdout and the log write synchronously).
      realScheduler.timeout(() => process.exit(code), 200).unref();
    };
    daemon.stop(drainMs, STOP_RESERVE_MS).then(
      () =>
        service.stopped().then(() => {
          done(0);
        }),
      (err: unknown) => {
        logger.error({ error: err instanceof Error ? err.message : String(err) }, 'error while stopping');
        void service.stopped().then(() => {
          done(1);
        });
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
    armStopDeadline();
    if (started) drainAndExit(signal);
    else deferredStop = signal;
  };
  // One reload at a time. Each reads the file in its own child process, and two children can
  // answer out of order: an older file would then be applied last and stay in force. A SIGHUP
  // during a reload asks for one more once it is done, which reads the file as it is by then.
  let reloading = false;
  let reloadAgain = false;
  /** Every reload ends here, with its outcome to apply (or report) unless the stop began meanwhile. */
  const settle = (outcome: () => void) => {
    // Stopping: the state stays "stopping", the config the running one, and no reload follows.
    if (stopping) {
      logger.warn({ file }, 'reload abandoned: the daemon is stopping');
      return;
    }
    try {
      outcome();
    } finally {
      reloading = false;
      if (reloadAgain) {
        reloadAgain = false;
        reload();
      }
    }
  };
  const reload = () => {
    if (!started) {
      reloadWhenStarted = true;
      return;
    }
    if (stopping) {
      logger.warn({ file }, 'SIGHUP while stopping: not reloading');
      return;
    }
    if (reloading) {
      if (!reloadAgain) logger.info({ file }, 'SIGHUP during a reload: reading the file again once this one is done');
      reloadAgain = true;
      return;
    }
    reloading = true;
    service.reloading();
    loadCompiledConfigIsolated(file)
      .then(async (compiled) => ({
        ...compiled,
        nextSinkTarget:
          compiled.config.output.type === config.output.type
            ? sinkTarget
            : await loadSinkTargetFactory(compiled.config.output.type),
      }))
      .then(
        ({ config: next, warnings: nextWarnings, throttle: nextThrottle, nextSinkTarget }) => {
          settle(() => {
            for (const warning of nextWarnings) logger.warn({ file }, warning);
            let needRestart: string[];
            const previousSinkTarget = sinkTarget;
            sinkTarget = nextSinkTarget;
            try {
              needRestart = daemon.reconfigure(next, nextThrottle);
            } catch (err) {
              sinkTarget = previousSinkTarget;
              logger.error(
                { file, error: err instanceof Error ? err.message : String(err) },
                'cannot apply the new configuration; keeping the running one',
              );
              service.reloaded(false);
              return;
            }
            service.reloaded(true);
            logger.level = next.log.level;
            config = next;
            logger.info(
              { file, needRestart },
              needRestart.length > 0
                ? `configuration reloaded; changes to [${needRestart.join('], [')}] take effect at the next restart`
                : 'configuration reloaded',
            );
          });
        },
        (err: unknown) => {
          settle(() => {
            service.reloaded(false);
            if (err instanceof ConfigError) {
              for (const problem of err.problems)
                logger.error(
                  { file, field: problem.path, problem: problem.message },
                  'bad configuration field; keeping the running configuration',
                );
            } else {
              logger.error(
                { file, error: err instanceof Error ? err.message : String(err) },
                'cannot reload the configuration; keeping the running one',
              );
            }
          });
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
      logger.fatal(
        { error: err.message, directory: config.state.directory, hint: stateDirectoryHint(file) },
        `cannot use the state directory: ${err.message}; ${stateDirectoryHint(file)}`,
      );
      return EX_CANTCREAT;
    }
    throw err;
  }
  started = true;
  service.started();
  // Both are set by signal handlers while the start was awaited, which the compiler does not see.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  if (deferredStop !== null) drainAndExit(deferredStop);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  else if (reloadWhenStarted) reload();
  return finished;
}

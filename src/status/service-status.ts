import { join } from 'node:path';
import type { Config } from '../config/load.js';
import type { Logger } from '../types.js';
import type { Scheduler } from '../time/scheduler.js';
import { notifyEnvironment, SystemdNotifier } from './notify.js';
import { StatusReporter } from './status-reporter.js';
import type { DaemonState } from './status-document.js';
import type { PipelineSnapshot } from './status-model.js';
import { summaryLine } from './status-model.js';
import { wrapwatchVersion } from '../version.js';

/**
 * `state.status_file`, or status.json in the directory systemd made for RuntimeDirectory=
 * ($RUNTIME_DIRECTORY, the first if several), or none: a run outside systemd writes nothing
 * unless asked to.
 */
export function resolveStatusFile(configured: string, env: NodeJS.ProcessEnv): string | null {
  if (configured !== '') return configured;
  const runtime = env.RUNTIME_DIRECTORY?.split(':')[0];
  return runtime !== undefined && runtime !== '' ? join(runtime, 'status.json') : null;
}

export interface ServiceStatusDeps {
  readonly config: Config;
  readonly configFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly snapshot: () => PipelineSnapshot;
}

/**
 * The daemon's life as the outside sees it: the status file and, under systemd (NOTIFY_SOCKET
 * set), READY/RELOADING/STOPPING, the STATUS= line and watchdog pings. Outside systemd with no
 * status file configured, every call here does nothing: no timer, no file, no child process.
 */
export class ServiceStatus {
  private readonly reporter: StatusReporter | null;
  private readonly notifier: SystemdNotifier | null;
  private readonly scheduler: Scheduler;

  constructor(deps: ServiceStatusDeps) {
    this.scheduler = deps.scheduler;
    const environment = notifyEnvironment(deps.env, process.pid);
    this.notifier =
      environment === null ? null : new SystemdNotifier(environment, deps.logger, undefined, deps.scheduler);
    const file = resolveStatusFile(deps.config.state.status_file, deps.env);
    this.reporter =
      file === null && this.notifier === null
        ? null
        : new StatusReporter({
            file,
            intervalMs: deps.config.state.status_interval_seconds * 1000,
            notifier: this.notifier,
            snapshot: deps.snapshot,
            version: wrapwatchVersion(),
            configFile: deps.configFile,
            logger: deps.logger,
            scheduler: deps.scheduler,
          });
  }

  /** Sources open, checkpoints loaded: READY=1, then the watchdog and the periodic status. */
  started(): void {
    this.enter('running', (summary) => this.notifier?.ready(summary));
    this.notifier?.startWatchdog();
    this.reporter?.start();
  }

  /** The receiver went up or down: rewrite the status now rather than at the next interval. */
  receiverChanged(): void {
    this.reporter?.update();
  }

  reloading(): void {
    this.enter('reloading', (summary) => this.notifier?.reloading(summary));
  }

  /** After a SIGHUP, applied or not: READY=1 again (systemd waits for it to end the reload). */
  reloaded(applied: boolean): void {
    if (applied) this.reporter?.configLoaded();
    this.enter('running', (summary) => this.notifier?.ready(summary));
  }

  stopping(): void {
    this.enter('stopping', (summary) => this.notifier?.stopping(summary));
  }

  /** The last word: `stopped` in the status file, and every notification out (bounded wait). */
  async stopped(): Promise<void> {
    if (this.reporter === null) return;
    this.reporter.stop();
    this.notifier?.stopWatchdog();
    this.reporter.setState('stopped');
    // For the file only: systemd has STOPPING=1 and sees the exit itself.
    this.reporter.update(false);
    // Short: the whole stop is bounded by state.stop_timeout_seconds.
    await this.notifier?.flush(1000);
  }

  /**
   * A state change: the notification carrying it goes first, with the status line in the new
   * state (so systemd gets one message, not a STATUS and then the change), then the file.
   */
  private enter(state: DaemonState, notify: (summary: string) => void): void {
    if (this.reporter === null) return;
    this.reporter.setState(state);
    notify(this.summary());
    this.reporter.update();
  }

  private summary(): string {
    return this.reporter === null ? '' : summaryLine(this.reporter.current(), this.scheduler.now());
  }
}

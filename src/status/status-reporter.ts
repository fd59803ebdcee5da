import { statSync } from 'node:fs';
import type { Logger } from '../types.js';
import type { Scheduler, Timer } from '../time/scheduler.js';
import { RecentTotals } from './recent-totals.js';
import { ReceiverWatch } from './receiver-watch.js';
import type { DaemonState, StatusDocument } from './status-document.js';
import { writeStatusFile } from './status-file-writer.js';
import { buildStatus, summaryLine, type PipelineSnapshot } from './status-model.js';
import type { SystemdNotifier } from './notify.js';

export interface StatusReporterOptions {
  /** Where the status file goes; null: none (a run outside systemd with no `status_file`). */
  readonly file: string | null;
  /** The file is rewritten this often even when nothing changed, so its age tells a hung daemon. */
  readonly intervalMs: number;
  readonly notifier: SystemdNotifier | null;
  readonly snapshot: () => PipelineSnapshot;
  readonly version: string;
  readonly configFile: string;
  readonly logger: Logger;
  /** Clock and the rewrite timer. */
  readonly scheduler: Scheduler;
  readonly pid?: number;
  /** A followed path's size (null: cannot be seen); statSync in production. */
  readonly sizeOf?: (path: string) => number | null;
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/**
 * Keeps the status file and systemd's STATUS= line current: rewritten every `intervalMs` (so
 * its age tells a hung daemon) and at once when the daemon's state changes (start, reload,
 * stop) or the receiver goes up or down. All synchronous and small: one timer, one stat per followed
 * file, one 2 KB write per interval; STATUS= is sent only when its text changes.
 */
export class StatusReporter {
  private state: DaemonState = 'starting';
  private readonly startedAt: number;
  private configLoadedAt: number;
  private readonly receiverWatch: ReceiverWatch;
  private readonly refusals = new RecentTotals();
  private readonly results = new RecentTotals();
  private timer: Timer | null = null;
  private writeFailing = false;

  constructor(private readonly options: StatusReporterOptions) {
    this.startedAt = this.configLoadedAt = options.scheduler.now();
    this.receiverWatch = new ReceiverWatch(this.startedAt);
  }

  configLoaded(): void {
    this.configLoadedAt = this.options.scheduler.now();
  }

  /** The daemon's state from now on; `update()` writes it. */
  setState(state: DaemonState): void {
    this.state = state;
  }

  start(): void {
    if (this.timer !== null) return;
    // The daemon's own handles keep it alive; this timer must not keep a stopping one.
    this.timer = this.options.scheduler
      .interval(() => {
        this.update();
      }, this.options.intervalMs)
      .unref();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** The document as it is now (also what `update()` writes). */
  current(): StatusDocument {
    const now = this.options.scheduler.now();
    const pipeline = this.options.snapshot();
    const notify = this.options.notifier?.stats();
    // The notifier's counts join the daemon's: what was sent to systemd, and what failed.
    const snapshot =
      notify === undefined
        ? pipeline
        : {
            ...pipeline,
            counters: {
              ...pipeline.counters,
              systemdNotifications: notify.messages,
              systemdNotifyFailures: notify.failures,
            },
          };
    const refusals = typeof snapshot.counters.refusals === 'number' ? snapshot.counters.refusals : 0;
    this.refusals.record(now, refusals);
    this.results.record(now, snapshot.sink.sent);
    const sizeOf = this.options.sizeOf ?? fileSize;
    return buildStatus({
      now,
      version: this.options.version,
      pid: this.options.pid ?? process.pid,
      state: this.state,
      startedAt: this.startedAt,
      intervalSeconds: this.options.intervalMs / 1000,
      config: { file: this.options.configFile, loadedAt: this.configLoadedAt },
      pipeline: snapshot,
      sizes: new Map(snapshot.sources.map((s) => [s.id, s.kind === 'file' ? sizeOf(s.id) : null])),
      receiver: this.receiverWatch.observe(snapshot.sink, now),
      recent: { refusals: this.refusals.counts(now, refusals), results: this.results.counts(now, snapshot.sink.sent) },
    });
  }

  /** Writes the file and (unless `notify` is false) sends STATUS= if its text changed. */
  update(notify = true): void {
    const doc = this.current();
    if (notify) this.options.notifier?.status(summaryLine(doc, this.options.scheduler.now()));
    const file = this.options.file;
    if (file === null) return;
    try {
      writeStatusFile(file, doc);
      if (this.writeFailing) this.options.logger.info({ file }, 'status file written again');
      this.writeFailing = false;
    } catch (err) {
      // Once per run of failures; `wrapwatch check` reports the file's age meanwhile.
      if (!this.writeFailing)
        this.options.logger.warn(
          { file, error: err instanceof Error ? err.message : String(err) },
          'cannot write the status file; `wrapwatch status` and `check` will call the daemon stale',
        );
      this.writeFailing = true;
    }
  }
}

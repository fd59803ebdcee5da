import { stat } from 'node:fs/promises';
import type { Clock, Logger, SinkStats } from '../types.js';
import { RecentTotals } from './recent-totals.js';
import { ReceiverWatch } from './receiver-watch.js';
import type { DaemonState, StatusDocument } from './status-document.js';
import { writeStatusFile } from './status-file.js';
import { buildStatus, summaryLine, type PipelineSnapshot } from './status-model.js';
import type { SystemdNotifier } from './notify.js';

export interface StatusReporterOptions {
  /** Where the status file goes; null: none (a run outside systemd with no `status_file`). */
  readonly file: string | null;
  /** The file is rewritten this often even when nothing changed, so its age tells a hung daemon. */
  readonly intervalMs: number;
  readonly notifier: SystemdNotifier | null;
  readonly snapshot: () => PipelineSnapshot;
  /** The cheap part of the snapshot, looked at every second. */
  readonly sinkStats: () => SinkStats;
  readonly version: string;
  readonly configFile: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly pid?: number;
  /** A followed path's size (null: cannot be seen); fs.stat in production. */
  readonly sizeOf?: (path: string) => Promise<number | null>;
}

/** How often the reporter looks for a change worth writing at once (a receiver going down). */
const LOOK_MS = 1000;

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/**
 * Keeps the status file and systemd's STATUS= line current: rewritten every `intervalMs`, and
 * at once when the daemon's state, the receiver's state or whether results wait changes. Idle
 * cost: one cheap look a second and one small file write per interval; STATUS= is sent only
 * when its text changes.
 */
export class StatusReporter {
  private state: DaemonState = 'starting';
  private readonly startedAt: number;
  private configLoadedAt: number;
  private readonly receiverWatch: ReceiverWatch;
  private readonly refusals = new RecentTotals();
  private readonly results = new RecentTotals();
  private timer: NodeJS.Timeout | null = null;
  private lastWriteAt = -Infinity;
  private lastSignature = '';
  private writing: Promise<void> | null = null;
  private writeAgain = false;
  private writeFailing = false;

  constructor(private readonly options: StatusReporterOptions) {
    this.startedAt = this.configLoadedAt = options.clock.now();
    this.receiverWatch = new ReceiverWatch(this.startedAt);
  }

  configLoaded(): void {
    this.configLoadedAt = this.options.clock.now();
  }

  /** A new daemon state is written (and shown to systemd) at once; resolves when written. */
  setState(state: DaemonState): Promise<void> {
    this.state = state;
    return this.update();
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.look(), LOOK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The document as it would be written now (also what `update()` writes). */
  current(): StatusDocument {
    const now = this.options.clock.now();
    const snapshot = this.options.snapshot();
    const refusals = typeof snapshot.counters.refusals === 'number' ? snapshot.counters.refusals : 0;
    this.refusals.record(now, refusals);
    this.results.record(now, snapshot.sink.sent);
    return buildStatus({
      now,
      version: this.options.version,
      pid: this.options.pid ?? process.pid,
      state: this.state,
      startedAt: this.startedAt,
      intervalSeconds: this.options.intervalMs / 1000,
      config: { file: this.options.configFile, loadedAt: this.configLoadedAt },
      pipeline: snapshot,
      sizes: this.sizes,
      receiver: this.receiverWatch.observe(snapshot.sink, now),
      recent: { refusals: this.refusals.counts(now, refusals), results: this.results.counts(now, snapshot.sink.sent) },
    });
  }

  /** Writes the file and sends STATUS= if it changed; concurrent calls are folded into one more write. */
  update(): Promise<void> {
    if (this.writing !== null) {
      this.writeAgain = true;
      return this.writing;
    }
    this.writing = this.writeLoop().finally(() => (this.writing = null));
    return this.writing;
  }

  private sizes = new Map<string, number | null>();

  private look(): void {
    const sink = this.options.sinkStats();
    const signature = `${this.state} ${sink.receiver} ${sink.pending > 0} ${this.configLoadedAt}`;
    if (signature !== this.lastSignature || this.options.clock.now() - this.lastWriteAt >= this.options.intervalMs - LOOK_MS / 2) void this.update();
  }

  private async writeLoop(): Promise<void> {
    do {
      this.writeAgain = false;
      await this.refreshSizes();
      const doc = this.current();
      const sink = doc.receiver;
      this.lastSignature = `${doc.state} ${sink.state} ${doc.results.pending > 0} ${this.configLoadedAt}`;
      this.lastWriteAt = this.options.clock.now();
      this.options.notifier?.status(summaryLine(doc, this.lastWriteAt));
      await this.write(doc);
    } while (this.writeAgain);
  }

  private async refreshSizes(): Promise<void> {
    const sizeOf = this.options.sizeOf ?? fileSize;
    const next = new Map<string, number | null>();
    for (const source of this.options.snapshot().sources) next.set(source.id, source.kind === 'file' ? await sizeOf(source.id) : null);
    this.sizes = next;
  }

  private async write(doc: StatusDocument): Promise<void> {
    const file = this.options.file;
    if (file === null) return;
    try {
      await writeStatusFile(file, doc);
      if (this.writeFailing) this.options.logger.info({ file }, 'status file written again');
      this.writeFailing = false;
    } catch (err) {
      // Once per run of failures; `wrapwatch check` reports the file's age meanwhile.
      if (!this.writeFailing) this.options.logger.warn({ file, error: err instanceof Error ? err.message : String(err) }, 'cannot write the status file; `wrapwatch status` and `check` will call the daemon stale');
      this.writeFailing = true;
    }
  }
}

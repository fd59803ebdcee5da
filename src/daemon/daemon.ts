import type { Config } from '../config/load.js';
import type { ThrottleSettings } from '../throttle/settings.js';
import { LineParser } from '../parse/parser.js';
import { systemTimeZone } from '../parse/system-time-zone.js';
import { REFUSAL_PHRASES } from '../parse/prefilter.js';
import { createSources, type SourceDeps } from '../source/create-sources.js';
import { createSeqCounter, type LineSource } from '../source/line-source.js';
import { CheckpointStore } from '../state/checkpoint-store.js';
import { fieldLimitsOf } from '../sink/field-limits.js';
import { Throttle } from '../throttle/throttle.js';
import { type Alert, type Logger, type ResultSink, type Seq, type SinkTarget, type SourceLine } from '../types.js';
import { wrapwatchVersion } from '../version.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';
import { CommitTracker, oldestOf } from './commit-tracker.js';
import { ParseCounters, statsFields } from './pipeline-stats.js';
import type { PipelineSnapshot } from '../status/status-model.js';

/** Sources listed as the busiest in `wrapwatch status`. */
const BUSIEST_SHOWN = 5;

/** What the daemon is built from; the CLI passes the real ones, tests may pass their own. */
export interface DaemonDeps {
  readonly config: Config;
  /** The throttle settings the config compile step built from `config`; compiled here when absent (tests). */
  readonly throttleSettings?: ThrottleSettings;
  readonly logger: Logger;
  /** Where results go: the NSCA sink, or the dry-run printer. */
  readonly sink: ResultSink;
  /** Where a reload that changes [output] or the receiver's settings points the sink. */
  readonly sinkTarget: (config: Config) => SinkTarget;
  /**
   * Resume from the checkpoints but never write them (`--dry-run`): a trial run must not make
   * the real service skip the lines it read.
   */
  readonly readOnlyState?: boolean;
  /** Clock and timers for the daemon and everything it builds; the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** Builds the configured sources; `createSources` when absent (unit tests pass in-memory ones). */
  readonly createSources?: (config: Config, deps: SourceDeps) => LineSource[];
}

/**
 * wrapwatch run: source -> parse -> throttle -> sink, with positions committed behind delivery.
 *
 * Every batch from a source goes through parse and throttle synchronously; its last line's
 * position is then noted. A commit (every `state.commit_interval_seconds`) writes the newest
 * noted positions whose sequence number is below everything the throttle still folds and the
 * sink still holds, so a SIGKILL at any moment loses no refusal: at worst the lines after the
 * last commit are read and reported again.
 */
export class Daemon {
  private config: Config;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly createSources: (config: Config, deps: SourceDeps) => LineSource[];
  private readonly sink: ResultSink;
  private readonly sinkTarget: (config: Config) => SinkTarget;
  private readonly parser: LineParser;
  private readonly throttle: Throttle;
  private readonly checkpoints: CheckpointStore;
  private readonly tracker = new CommitTracker();
  private readonly counters = new ParseCounters();
  private sources: LineSource[] = [];
  private tickTimer: Timer | null = null;
  private tickAt: number | null = null;
  private commitTimer: Timer | null = null;
  /** Checkpoint writes that failed since the start, for the stats line. */
  private checkpointWriteFailures = 0;
  private checkpointFailuresInARow = 0;
  private statsTimer: Timer | null = null;
  private committing: Promise<void> = Promise.resolve();
  private stopping = false;
  /** The sequence number most recently handed to a source (0: none yet). */
  private lastSeq: Seq = 0;
  /** For `wrapwatch status`: when a checkpoint was last written, and why the last write failed. */
  private lastCommitAt: number | null = null;
  private lastCommitError: string | null = null;

  constructor(deps: DaemonDeps) {
    this.config = deps.config;
    this.logger = deps.logger;
    this.scheduler = deps.scheduler ?? realScheduler;
    this.createSources = deps.createSources ?? createSources;
    this.sink = deps.sink;
    this.sinkTarget = deps.sinkTarget;
    this.parser = new LineParser({
      timeZone: this.config.source.timezone ?? systemTimeZone(),
      now: () => this.scheduler.now(),
    });
    this.throttle = new Throttle(
      deps.throttleSettings ? { compiled: deps.throttleSettings } : this.config,
      this.scheduler,
      {
        fallbackHost: this.config.report.host_name.includes('{') ? undefined : this.config.report.host_name,
        limits: fieldLimitsOf(this.config.output.type),
      },
    );
    this.checkpoints = new CheckpointStore({
      directory: this.config.state.directory,
      logger: this.logger,
      clock: this.scheduler,
      readOnly: deps.readOnlyState ?? false,
    });
  }

  async start(): Promise<void> {
    const checkpoints = await this.checkpoints.load();
    const seqCounter = createSeqCounter();
    this.sources = this.createSources(this.config, {
      logger: this.logger,
      nextSeq: () => (this.lastSeq = seqCounter()),
      checkpoints,
      onLines: (lines) => this.handleBatch(lines),
      scheduler: this.scheduler,
      // Only lines that can hold a refusal become strings: catching up on a backlog of
      // ordinary chatter then costs a newline search per line.
      keep: REFUSAL_PHRASES,
      // Lost positions: re-reading whole files reports some refusals twice, "end" would skip some.
      ...(this.checkpoints.foundCorrupt() ? { startAtOverride: 'beginning' as const } : {}),
    });
    for (const source of this.sources) await source.start();
    await this.commitStartingPoints();
    this.startTimers();
    this.scheduleTick();
    this.logger.info(
      {
        version: wrapwatchVersion(),
        sources: this.sources.map((s) => s.id),
        resumed: [...checkpoints.keys()],
        receiver:
          this.sink.stats().receiver === 'none (dry run)'
            ? 'none (dry run: results are printed, not sent)'
            : `${this.config.nsca.host}:${this.config.nsca.port}`,
        nagiosHost: this.config.report.host_name,
        service: this.config.report.service,
      },
      'wrapwatch started',
    );
  }

  /**
   * Where each source began reading becomes a checkpoint at once. Without it, a first start
   * with `start_at = "end"` that is killed before its first commit would, at the next start,
   * again begin at the end of the file and skip every line written in between. Each position
   * is noted under the last sequence number handed out so far, so it is released only once the
   * lines it may cover are delivered (if a source already handed out a batch).
   */
  private async commitStartingPoints(): Promise<void> {
    for (const source of this.sources) {
      const position = source.position();
      if (position !== null) this.tracker.note(this.lastSeq, source.id, position);
    }
    await this.commit();
  }

  /**
   * SIGTERM: stop reading, send what is folded, wait (bounded) for delivery, commit, close.
   * `drainMs` bounds the wait for delivery; closing the sink (an attempt in flight may wait
   * for its own `timeout_seconds`) is bounded by `closeMs`. The caller bounds the whole.
   */
  async stop(drainMs: number, closeMs = drainMs): Promise<boolean> {
    this.stopping = true;
    for (const source of this.sources) await source.stop();
    this.clearTimers();
    this.sink.submit(this.throttle.flush());
    const drained = await this.sink.drain(drainMs);
    await this.commit();
    const closeDeadline = new AbortController();
    const closed = await Promise.race([
      this.sink.close().then(() => true),
      this.scheduler.sleep(closeMs, closeDeadline.signal).then(() => false),
    ]);
    closeDeadline.abort();
    if (!closed)
      this.logger.warn(
        { waitedMs: closeMs },
        'a delivery attempt was still in flight at the stop deadline; abandoning it',
      );
    this.logger.info(
      { ...this.stats(), drained },
      drained
        ? 'wrapwatch stopped; everything read was delivered'
        : 'wrapwatch stopped with results undelivered; their lines will be read again at the next start',
    );
    return drained;
  }

  /**
   * SIGHUP with a validated config: thresholds, rules, report settings, the receiver and the
   * stats interval apply at once. [source] and [state] keep what they started with (files
   * being followed and checkpoints in use); the returned section names need a restart.
   */
  reconfigure(config: Config, throttleSettings?: ThrottleSettings): string[] {
    this.throttle.reconfigure(
      throttleSettings ? { compiled: throttleSettings } : config,
      fieldLimitsOf(config.output.type),
    );
    const receiverOf = (c: Config) => JSON.stringify([c.output, c.nsca, c.nsca_ng, c.icinga2]);
    if (receiverOf(config) !== receiverOf(this.config)) this.sink.retarget(this.sinkTarget(config));
    const needRestart = (['source', 'state'] as const).filter(
      (section) => JSON.stringify(config[section]) !== JSON.stringify(this.config[section]),
    );
    this.config = config;
    this.scheduleTick();
    this.restartStatsTimer();
    return needRestart;
  }

  stats(): Record<string, unknown> {
    return {
      ...this.pipelineStats(),
      checkpointWriteFailures: this.checkpointWriteFailures,
    };
  }

  private pipelineStats(): Record<string, unknown> {
    return statsFields({
      parse: this.counters,
      sources: this.sources.map((s) => ({ id: s.id, stats: s.stats(), bytesBehind: s.bytesBehind() })),
      throttle: this.throttle.stats(),
      sink: this.sink.stats(),
    });
  }

  /** What `wrapwatch status` shows of the pipeline, at this moment. */
  snapshot(): PipelineSnapshot {
    return {
      sources: this.sources.map((s) => {
        const position = s.position();
        return {
          id: s.id,
          kind: position?.kind ?? (s.id === 'journal' ? 'journal' : 'file'),
          offset: position?.kind === 'file' ? position.offset : null,
          bytesBehind: s.bytesBehind(),
          stats: s.stats(),
        };
      }),
      throttle: this.throttle.stats(),
      busiest: this.throttle.busiestSources(BUSIEST_SHOWN),
      sink: this.sink.stats(),
      checkpoint: { lastCommitAt: this.lastCommitAt, lastError: this.lastCommitError },
      counters: this.stats(),
    };
  }

  private handleBatch(lines: readonly SourceLine[]): Promise<void> {
    const lastBySource = new Map<string, SourceLine>();
    const alerts: Alert[] = [];
    // Each refusal's debug line is built only when it is written: the fields object per refusal
    // was garbage in a backlog of a hundred thousand refusals at the default level.
    const logEach = this.config.log.level === 'debug' || this.config.log.level === 'trace';
    // One clock read per batch, not per line (the parser's and the throttle's clock is this scheduler).
    const now = this.scheduler.now();
    for (const line of lines) {
      lastBySource.set(line.sourceId, line);
      if (line.defect !== undefined) continue; // counted by the source
      const result = line.journal ? this.parser.parseJournal(line.journal) : this.parser.parseLine(line.text, now);
      if (result.kind === 'none') continue;
      if (result.kind === 'not-reported') {
        this.counters.notReported(result.reason);
        continue;
      }
      const event = result.event;
      this.counters.refusal(event.kind, event.count);
      if (logEach)
        this.logger.debug(
          {
            daemon: event.daemon,
            service: event.service,
            peer: event.peer,
            client: event.client,
            host: event.host,
            count: event.count,
          },
          'refusal',
        );
      this.throttle.offer({ seq: line.seq, event }, alerts, now);
    }
    if (alerts.length > 0) this.sink.submit(alerts);
    for (const line of lastBySource.values()) this.tracker.note(line.seq, line.sourceId, line.position);
    this.scheduleTick();
    this.armCommit();
    return Promise.resolve();
  }

  /** One timer for the throttle's next deadline (windows, storm summaries, heartbeats). */
  private scheduleTick(): void {
    if (this.stopping) return;
    const due = this.throttle.nextDeadline();
    if (due === null) return;
    if (this.tickTimer !== null && this.tickAt !== null && this.tickAt <= due) return;
    this.tickTimer?.cancel();
    this.tickAt = due;
    this.tickTimer = this.scheduler.timeout(
      () => {
        this.tickTimer = null;
        this.tickAt = null;
        this.sink.submit(this.throttle.tick());
        this.scheduleTick();
      },
      Math.max(0, due - this.scheduler.now()),
    );
  }

  private commit(): Promise<void> {
    const next = this.committing.then(async () => {
      const positions = this.tracker.release(oldestOf(this.throttle.oldestPendingSeq(), this.sink.oldestPendingSeq()));
      // After a failed write the store still holds the positions: retry even with nothing new.
      if (positions.size === 0 && this.checkpointFailuresInARow === 0) return;
      try {
        await this.checkpoints.commit(positions);
        this.lastCommitAt = this.scheduler.now();
        this.lastCommitError = null;
        if (this.checkpointFailuresInARow > 0) {
          this.logger.info(
            { directory: this.config.state.directory, failedWrites: this.checkpointFailuresInARow },
            'checkpoints are written again',
          );
          this.checkpointFailuresInARow = 0;
        }
      } catch (err) {
        // Nothing is lost: the positions stay in memory and go out with the next commit, and
        // what a restart would re-read is at worst reported twice. Every failure is counted.
        this.lastCommitError = err instanceof Error ? err.message : String(err);
        this.checkpointWriteFailures++;
        this.checkpointFailuresInARow++;
        // Retried every commit interval: the 1st, 10th, 100th... failure in a row is an error, the rest debug.
        const loud = /^10*$/.test(String(this.checkpointFailuresInARow));
        (loud ? this.logger.error.bind(this.logger) : this.logger.debug.bind(this.logger))(
          {
            error: err instanceof Error ? err.message : String(err),
            directory: this.config.state.directory,
            failedWrites: this.checkpointWriteFailures,
          },
          'cannot write the checkpoint; keeping the positions in memory and retrying (after a restart now, lines since the last good checkpoint are read again)',
        );
      }
    });
    this.committing = next;
    return next;
  }

  /**
   * A commit is due `state.commit_interval_seconds` after a batch left positions to commit, and
   * again while some are held back; an idle daemon has no commit timer at all.
   */
  private armCommit(): void {
    if (this.commitTimer !== null || this.stopping || (this.tracker.size === 0 && this.checkpointFailuresInARow === 0))
      return;
    this.commitTimer = this.scheduler.timeout(
      () => {
        this.commitTimer = null;
        void this.commit().then(() => {
          this.armCommit();
        });
      },
      Math.max(100, this.config.state.commit_interval_seconds * 1000),
    );
  }

  private startTimers(): void {
    this.armCommit();
    this.restartStatsTimer();
  }

  private restartStatsTimer(): void {
    this.statsTimer?.cancel();
    this.statsTimer = null;
    const seconds = this.config.log.stats_interval_seconds;
    if (seconds > 0 && !this.stopping)
      this.statsTimer = this.scheduler.interval(() => {
        this.logger.info(this.stats(), 'stats');
      }, seconds * 1000);
  }

  private clearTimers(): void {
    for (const timer of [this.tickTimer, this.commitTimer, this.statsTimer]) timer?.cancel();
    this.tickTimer = this.commitTimer = this.statsTimer = null;
  }
}

import type { Logger, SourcePosition } from '../types.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import type { SplitLine } from './line-splitter.js';
import { CoalescingTask } from './coalescing-task.js';
import { offerUntilTaken } from './deliver-batch.js';
import { PlainFile, type FollowedFile } from './followed-file.js';
import { FollowedFiles } from './followed-files.js';
import { LineStamper } from './line-stamper.js';
import {
  SourceAlreadyStartedError,
  StatsCounter,
  type LineHandler,
  type LineSource,
  type NextSeq,
  type SourceStats,
} from './line-source.js';
import { planResume } from './resume-plan.js';
import { Rotation } from './rotation.js';
import { WakeSignal, type WakeReason } from './wake-signal.js';

export interface FileSourceOptions {
  readonly path: string;
  readonly startAt: 'end' | 'beginning';
  readonly maxLineBytes: number;
  /**
   * Deliver only lines holding one of these phrases (and defective lines); the others are
   * counted in the stats and passed over without becoming strings. The last line of each read
   * is always delivered, so positions and checkpoints move past the lines passed over.
   */
  readonly keep?: readonly string[];
  /** How long a rotated-away file is still read for late writers before the next file is read. */
  readonly rotationGraceMs: number;
  readonly pollIntervalMs: number;
  /** The checkpointed position to resume from; absent: none, and `startAt` decides. */
  readonly resumeFrom?: SourcePosition | null;
  readonly onLines: LineHandler;
  readonly nextSeq: NextSeq;
  readonly logger: Logger;
  /** Clock and timers (grace periods, polls, retry pauses); the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** Bytes per read (default READ_BYTES); the complete lines of one read form one batch. */
  readonly chunkBytes?: number;
  /** false: no directory watcher, polling only (tests of the fallback). */
  readonly watch?: boolean;
}

/**
 * Bytes per read. Each read of a plain file is three round trips through libuv's thread pool
 * (the read, then the truncation probe's fstat and head read), and each costs a turn of the
 * event loop: with 1 MiB instead of 256 KiB a backlog of 1,000,000 lines was caught up 7%
 * sooner (BENCHMARKS.md, "Third pass"). Only the pages a read fills become
 * resident, so following a log that grows by a few lines at a time touches a few of them.
 */
const READ_BYTES = 1024 * 1024;

/**
 * Follows one log file by byte offset, across rename, copytruncate, delete and restarts.
 *
 * This class reads and delivers: it wakes on the directory watcher or the poll, reads the
 * head of the read queue (FollowedFiles) a chunk at a time, hands complete lines to the
 * handler, and looks at the path before each round. What the path's changes mean (rotation,
 * truncation, grace periods, catch-up) is decided in one place, the state machine in
 * rotation.ts; README's "Log rotation" describes it.
 */
export class FileSource implements LineSource {
  readonly id: string;
  private readonly options: FileSourceOptions;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly counters = new StatsCounter();
  private readonly scratch: Buffer;
  private readonly stamper: LineStamper;
  private readonly files: FollowedFiles;
  private readonly rotation: Rotation;
  /** The read loop: a look at the path, then reading until every file is at its end. */
  private readonly reading: CoalescingTask;
  /** Looks at the path; also run on their own while the handler holds the read loop back. */
  private readonly pathChecks: CoalescingTask;
  /** Aborted at stop: ends a pause between offers of a batch the handler refused. */
  private readonly stopSignal = new AbortController();
  private wake: WakeSignal | null = null;
  private lastPosition: SourcePosition | null = null;
  private readFailureWarned = false;
  private started = false;
  private stopping = false;
  /** The handler has a batch: stop() does not wait for it, wake-ups still look at the path. */
  private delivering = false;

  constructor(options: FileSourceOptions) {
    this.options = options;
    this.id = options.path;
    this.scheduler = options.scheduler ?? realScheduler;
    this.logger = options.logger;
    this.scratch = Buffer.allocUnsafe(options.chunkBytes ?? READ_BYTES);
    this.stamper = new LineStamper(options.path, options.nextSeq, this.counters, this.logger);
    const stopping = () => this.stopping;
    this.files = new FollowedFiles(this.scheduler, options.rotationGraceMs, () => {
      this.kick();
    });
    this.rotation = new Rotation({
      path: options.path,
      maxLineBytes: options.maxLineBytes,
      keep: options.keep,
      graceMs: options.rotationGraceMs,
      files: this.files,
      counters: this.counters,
      scheduler: this.scheduler,
      logger: this.logger,
      stopping,
      wake: () => {
        this.kick();
      },
      startsAt: (file, offset) => {
        this.lastPosition = this.stamper.positionIn(file, offset);
      },
    });
    this.pathChecks = new CoalescingTask(
      () => this.rotation.checkPath(),
      (err) => {
        this.logger.error({ source: this.id, err }, `unexpected error while checking ${this.id}`);
      },
      stopping,
    );
    this.reading = new CoalescingTask(
      async () => {
        await this.pathChecks.request();
        await this.drain();
      },
      (err) => {
        this.logger.error(
          { source: this.id, err },
          `unexpected error while following ${this.id}; trying again at the next poll`,
        );
      },
      stopping,
    );
  }

  async start(): Promise<void> {
    if (this.started) throw new SourceAlreadyStartedError(this.id);
    this.started = true;
    const resume = this.options.resumeFrom;
    if (resume && (resume.kind !== 'file' || resume.path !== this.id)) {
      this.logger.warn(
        { source: this.id, checkpoint: resume },
        `the checkpoint for ${this.id} is not a position in that file; ignoring it`,
      );
    }
    const checkpoint = resume?.kind === 'file' && resume.path === this.id ? resume : null;
    const plan = await planResume({
      path: this.id,
      checkpoint,
      startAt: this.options.startAt,
      maxLineBytes: this.options.maxLineBytes,
      keep: this.options.keep,
      graceMs: this.options.rotationGraceMs,
      now: this.scheduler.now(),
      logger: this.logger,
    });
    for (const { file, graceUntil } of plan.rotated) this.files.queueFound(file, graceUntil);
    if (plan.live !== null) this.files.follow(plan.live);
    if (this.stopping) {
      await this.files.close();
      return;
    }
    const everHadFile = !this.files.isEmpty || resume?.kind === 'file';
    const first = this.files.head;
    if (first) this.lastPosition = this.stamper.positionIn(first, first.lineEnd);
    else if (checkpoint !== null) this.lastPosition = checkpoint;
    this.rotation.begin({
      everHadFile,
      // start_at = "end" for a log that exists but cannot be read yet (RHEL's 0600 /var/log/secure
      // before the ACL is fixed): its old lines are as old as if it had been readable, so reading
      // begins at its end as of when it first becomes readable, not at byte 0.
      endWhenReadable: !everHadFile && this.options.startAt === 'end' && plan.problem?.kind === 'unreadable',
      problem: plan.problem,
    });
    this.logger.info(
      { source: this.id, files: this.files.files.map((f) => ({ file: f.label, offset: f.readOffset })) },
      `following ${this.id}`,
    );
    this.wake = new WakeSignal(
      this.id,
      this.options.pollIntervalMs,
      (reason) => {
        this.onWake(reason);
      },
      this.logger,
      this.options.watch ?? true,
      this.scheduler,
    );
    this.wake.start();
    this.kick();
  }

  /**
   * Stops reading and closes everything. A batch the handler is still working on is not
   * waited for (the daemon may be stopping the very stage that holds it up); the source
   * just reads nothing after it.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.stop();
    this.stopSignal.abort();
    if (!this.delivering) await this.reading.idle();
    await this.pathChecks.idle();
    await this.files.close();
  }

  stats(): SourceStats {
    return this.counters.snapshot();
  }

  bytesBehind(): number {
    return this.files.bytesBehind();
  }

  /**
   * Where a restart would resume if every line emitted so far were delivered: the last line's
   * position, or where reading began. The daemon may commit it on a first start, so that a
   * restart before the first line does not skip what was written in between (`start_at = "end"`).
   */
  position(): SourcePosition | null {
    return this.lastPosition;
  }

  private onWake(reason: WakeReason): void {
    if (this.stopping) return;
    // While the handler holds us back, still notice a rotation, so the new file is opened
    // (and its inode held) at once rather than after the backlog.
    if (reason !== 'data' && this.delivering) void this.pathChecks.request();
    this.kick();
  }

  private kick(): void {
    void this.reading.request();
  }

  /** Reads the head of the queue until every file is at its end (or the source stops). */
  private async drain(): Promise<void> {
    for (;;) {
      const file = this.files.head;
      if (file === undefined || this.stopping) return;
      let chunk: Buffer;
      try {
        chunk = await file.read(this.scratch);
        // After each read, so that bytes read from content already replaced are never
        // delivered; a rotated file too, which may have been truncated before it was rotated.
        if (file instanceof PlainFile && (await file.probe()) === 'truncated') {
          await this.rotation.apply({ kind: 'truncated', file });
          continue;
        }
        this.readFailureWarned = false;
      } catch (err) {
        if (!this.files.isLive(file)) {
          this.logger.warn(
            { source: this.id, file: file.label, err },
            `cannot read the rotated file ${file.label}; skipping the rest of it`,
          );
          await this.finishRotated(file);
          continue;
        }
        if (!this.readFailureWarned) this.logger.warn({ source: this.id, err }, `cannot read ${this.id}; retrying`);
        this.readFailureWarned = true;
        return;
      }
      if (chunk.length > 0) {
        this.counters.bytes += chunk.length;
        const before = file.linesSeen;
        const lines = file.consume(chunk);
        // Lines the prefilter passed over are counted here; delivered ones as they are delivered.
        this.counters.lines += file.linesSeen - before - lines.length;
        if (lines.length > 0) await this.deliver(file, lines);
        continue;
      }
      if (!this.files.graceOver(file)) return;
      await this.finishRotated(file);
    }
  }

  /** A rotated file is done with: its partial last line is a line now, then it is closed. */
  private async finishRotated(file: FollowedFile): Promise<void> {
    const last = file.flushPartial();
    if (last !== null) await this.deliver(file, [last]);
    await this.rotation.apply({ kind: 'grace-over', file });
  }

  private async deliver(file: FollowedFile, split: readonly SplitLine[]): Promise<void> {
    if (this.stopping) return;
    const batch = split.map((line) => this.stamper.stamp(file, line));
    this.delivering = true;
    try {
      const taken = await offerUntilTaken(batch, {
        source: this.id,
        onLines: this.options.onLines,
        logger: this.logger,
        stopping: () => this.stopping,
        pause: () => this.scheduler.sleep(this.options.pollIntervalMs, this.stopSignal.signal),
        noun: 'line(s)',
      });
      const last = batch[batch.length - 1];
      if (taken && last?.position.kind === 'file') {
        this.lastPosition = last.position;
        this.files.delivered(file, last.position.offset);
      }
    } finally {
      this.delivering = false;
    }
  }
}

import { stat } from 'node:fs/promises';
import { type FileIdentity, type Logger, type SourceLine, type SourcePosition } from '../types.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';
import type { SplitLine } from './line-splitter.js';
import { offerUntilTaken } from './deliver-batch.js';
import { PlainFile, type FollowedFile } from './followed-file.js';
import {
  SourceAlreadyStartedError,
  StatsCounter,
  type LineHandler,
  type LineSource,
  type NextSeq,
  type SourceStats,
} from './line-source.js';
import { planResume } from './resume-plan.js';
import { pathProblemOf, PathProblemReporter, type PathProblem } from './path-problem.js';
import { restAfterTruncation, rotatedBetween, type CatchUpContext } from './catch-up.js';
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
  /** Bytes per read; the complete lines of one read form one batch. */
  readonly chunkBytes?: number;
  /** false: no directory watcher, polling only (tests of the fallback). */
  readonly watch?: boolean;
}

/**
 * Follows one log file by byte offset, across rename, copytruncate, delete and restarts.
 *
 * Files are read strictly one after the other: a rotated-away file is drained to its end and
 * kept for the grace period (late writers) before the next file is read, so a checkpoint is
 * always one (file, offset) pair and everything before it was read. Rotation is decided from
 * stat, not from watcher events, which only wake the source; a poll timer covers lost events.
 */
export class FileSource implements LineSource {
  readonly id: string;
  private readonly options: FileSourceOptions;
  private readonly scheduler: Scheduler;
  private readonly logger: Logger;
  private readonly counters = new StatsCounter();
  private readonly scratch: Buffer;
  private queue: FollowedFile[] = [];
  private live: PlainFile | null = null;
  private everHadFile = false;
  private readonly problems: PathProblemReporter;
  private lastPosition: SourcePosition | null = null;
  /**
   * Wall-clock time (as file timestamps are) when the path was last seen holding the live
   * file; rotated files created later than this came after it.
   */
  private liveSeenAt = 0;
  private wake: WakeSignal | null = null;
  private loop: Promise<void> | null = null;
  private again = false;
  private delivering = false;
  private pathCheck: Promise<void> | null = null;
  private pathCheckAgain = false;
  private started = false;
  private stopping = false;
  private readonly timers = new Set<Timer>();
  /** Grace-period ends a timer is already set for (each drain at a file's end asks again). */
  private readonly wakeTimes = new Set<number>();
  private readonly defectsWarned = new Set<string>();
  private readFailureWarned = false;
  /** Set while a start_at = "end" log exists but cannot be read: see start(). */
  private endWhenReadable = false;
  private cancelPause: (() => void) | null = null;

  constructor(options: FileSourceOptions) {
    this.options = options;
    this.id = options.path;
    this.scheduler = options.scheduler ?? realScheduler;
    this.logger = options.logger;
    this.problems = new PathProblemReporter(options.path, options.logger);
    this.scratch = Buffer.allocUnsafe(options.chunkBytes ?? 256 * 1024);
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
    const plan = await planResume({
      path: this.id,
      checkpoint: resume?.kind === 'file' && resume.path === this.id ? resume : null,
      startAt: this.options.startAt,
      maxLineBytes: this.options.maxLineBytes,
      keep: this.options.keep,
      graceMs: this.options.rotationGraceMs,
      now: this.scheduler.now(),
      logger: this.logger,
    });
    if (this.stopping) {
      await Promise.all(plan.files.map((file) => file.close().catch(() => undefined)));
      return;
    }
    this.queue = plan.files;
    this.live = plan.live;
    if (plan.live !== null) this.liveSeenAt = this.scheduler.now();
    this.everHadFile = plan.files.length > 0 || resume?.kind === 'file';
    // start_at = "end" for a log that exists but cannot be read yet (RHEL's 0600 /var/log/secure
    // before the ACL is fixed): its old lines are as old as if it had been readable, so reading
    // begins at its end as of when it first becomes readable, not at byte 0.
    this.endWhenReadable = !this.everHadFile && this.options.startAt === 'end' && plan.problem?.kind === 'unreadable';
    const first = plan.files[0];
    if (first) this.lastPosition = this.positionIn(first, first.splitter.offset);
    else if (resume?.kind === 'file' && resume.path === this.id) this.lastPosition = resume;
    for (const file of plan.files) if (file.graceUntil !== null) this.wakeAt(file.graceUntil);
    if (plan.problem) this.noteProblem(plan.problem);
    this.logger.info(
      { source: this.id, files: plan.files.map((f) => ({ file: f.label, offset: f.readOffset })) },
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
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.wakeTimes.clear();
    this.cancelPause?.();
    if (!this.delivering) await this.loop;
    await this.pathCheck;
    await Promise.all(this.queue.map((file) => file.close().catch(() => undefined)));
    this.queue = [];
    this.live = null;
  }

  stats(): SourceStats {
    return this.counters.snapshot();
  }

  bytesBehind(): number {
    let behind = 0;
    for (const file of this.queue) behind += Math.max(0, file.knownSize - file.deliveredOffset);
    return behind;
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
    if (reason !== 'data' && this.delivering) void this.checkPathSoon();
    this.kick();
  }

  private kick(): void {
    this.again = true;
    if (this.loop !== null || this.stopping) return;
    this.loop = this.run().finally(() => {
      this.loop = null;
      if (this.again && !this.stopping) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.again && !this.stopping) {
      this.again = false;
      try {
        await this.checkPathSoon();
        await this.drain();
      } catch (err) {
        this.logger.error(
          { source: this.id, err },
          `unexpected error while following ${this.id}; trying again at the next poll`,
        );
      }
    }
  }

  /** Reads the head of the queue until every file is at its end (or the source stops). */
  private async drain(): Promise<void> {
    for (;;) {
      const file = this.queue[0];
      if (file === undefined || this.stopping) return;
      let chunk: Buffer;
      try {
        chunk = await file.read(this.scratch);
        if (file === this.live && (await this.live.probe()) === 'truncated') {
          await this.onTruncated(this.live);
          continue;
        }
        this.readFailureWarned = false;
      } catch (err) {
        if (file.graceUntil !== null) {
          this.logger.warn(
            { source: this.id, file: file.label, err },
            `cannot read the rotated file ${file.label}; skipping the rest of it`,
          );
          await this.finish(file);
          continue;
        }
        if (!this.readFailureWarned) this.logger.warn({ source: this.id, err }, `cannot read ${this.id}; retrying`);
        this.readFailureWarned = true;
        return;
      }
      if (chunk.length > 0) {
        this.counters.bytes += chunk.length;
        const before = file.splitter.lineCount;
        const lines = file.consume(chunk);
        // Lines the prefilter passed over are counted here; delivered ones as they are delivered.
        this.counters.lines += file.splitter.lineCount - before - lines.length;
        if (lines.length > 0) await this.deliver(file, lines);
        continue;
      }
      if (file.graceUntil === null) return;
      if (this.scheduler.now() < file.graceUntil) {
        this.wakeAt(file.graceUntil);
        return;
      }
      await this.finish(file);
    }
  }

  /** The grace period is over and the file is at its end: flush a partial last line and close it. */
  private async finish(file: FollowedFile): Promise<void> {
    const last = file.splitter.flushPartial();
    if (last !== null) await this.deliver(file, [last]);
    if (this.queue[0] === file) this.queue.shift();
    await file.close().catch(() => undefined);
    this.logger.debug(
      { source: this.id, file: file.label, offset: file.splitter.offset },
      'finished reading a rotated file',
    );
    if (this.queue.length === 0) this.problems.warn();
  }

  private async deliver(file: FollowedFile, split: readonly SplitLine[]): Promise<void> {
    if (this.stopping) return;
    const batch = split.map((line) => this.toSourceLine(file, line));
    this.delivering = true;
    try {
      const taken = await offerUntilTaken(batch, {
        source: this.id,
        onLines: this.options.onLines,
        logger: this.logger,
        stopping: () => this.stopping,
        pause: () => this.pause(this.options.pollIntervalMs),
        noun: 'line(s)',
      });
      const last = batch[batch.length - 1];
      if (taken && last?.position.kind === 'file') {
        this.lastPosition = last.position;
        file.deliveredOffset = last.position.offset;
      }
    } finally {
      this.delivering = false;
    }
  }

  private toSourceLine(file: FollowedFile, line: SplitLine): SourceLine {
    this.counters.lines++;
    const position = this.positionIn(file, line.end);
    const seq = this.options.nextSeq();
    if (line.defect === undefined) return { sourceId: this.id, seq, text: line.text, position };
    this.counters.skip(line.defect);
    const fields = { source: this.id, file: file.label, offset: line.end, reason: line.defect };
    if (!this.defectsWarned.has(line.defect)) {
      this.defectsWarned.add(line.defect);
      this.logger.warn(
        fields,
        `skipped a ${line.defect} line in ${file.label} (further ones are counted in the stats and logged at debug level)`,
      );
    } else {
      this.logger.debug(fields, `skipped a ${line.defect} line`);
    }
    return { sourceId: this.id, seq, text: '', position, defect: line.defect };
  }

  private positionIn(file: { readonly identity: FileIdentity }, offset: number): SourcePosition {
    return { kind: 'file', path: this.id, identity: file.identity, offset };
  }

  /** The live file shrank or its first bytes changed (copytruncate, `> file`). */
  private async onTruncated(file: PlainFile): Promise<void> {
    this.counters.truncations++;
    this.counters.lastRotationAt = this.scheduler.now();
    const resumeAt = file.splitter.offset + file.splitter.pendingBytes;
    try {
      const { files, copy } = await restAfterTruncation(file, this.catchUpContext());
      this.queue.unshift(...files);
      if (copy !== null) {
        this.logger.info(
          { source: this.id, copy: copy.path, offset: resumeAt, between: files.slice(1).map((f) => f.label) },
          `${this.id} was truncated (copytruncate): reading the rest of the old content from ${copy.path}, then ${this.id} from its start`,
        );
      } else {
        this.logger.info(
          { source: this.id, offset: resumeAt, droppedPartialBytes: file.splitter.pendingBytes },
          `${this.id} was truncated and no copy of it is beside it; reading it again from its start`,
        );
      }
    } catch (err) {
      this.logger.warn(
        { source: this.id, err },
        `${this.id} was truncated and its copy cannot be read; reading ${this.id} from its start`,
      );
    }
    await file.restartContent();
  }

  private catchUpContext(): CatchUpContext {
    return {
      path: this.id,
      maxLineBytes: this.options.maxLineBytes,
      keep: this.options.keep,
      now: this.scheduler.now(),
      logger: this.logger,
      open: this.queue,
    };
  }

  private checkPathSoon(): Promise<void> {
    if (this.pathCheck !== null) {
      this.pathCheckAgain = true;
      return this.pathCheck;
    }
    this.pathCheck = (async () => {
      do {
        this.pathCheckAgain = false;
        await this.checkPath();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by wake-ups while checkPath() awaits
      } while (this.pathCheckAgain && !this.stopping);
    })()
      .catch((err: unknown) => {
        this.logger.error({ source: this.id, err }, `unexpected error while checking ${this.id}`);
      })
      .finally(() => {
        this.pathCheck = null;
      });
    return this.pathCheck;
  }

  /** Compares the file at the path with the one being followed: same, gone, or replaced (rotation). */
  private async checkPath(): Promise<void> {
    if (this.stopping) return;
    let st;
    try {
      st = await stat(this.id);
    } catch (err) {
      this.onPathGone(pathProblemOf(err));
      return;
    }
    if (!st.isFile()) {
      this.onPathGone({ kind: 'not-regular' });
      return;
    }
    const live = this.live;
    if (live !== null && live.dev === st.dev && live.ino === st.ino) {
      this.liveSeenAt = this.scheduler.now();
      // Queued behind rotated files it is not read yet; still learn its first bytes as they
      // come, so a copytruncate before it is read is noticed (and its copy found) then.
      if (live !== this.queue[0]) await live.probe();
      return;
    }
    const last = this.queue[this.queue.length - 1];
    if (live === null && last instanceof PlainFile && last.dev === st.dev && last.ino === st.ino) {
      // Moved away and back before its grace period ended: it is the live file again.
      last.graceUntil = null;
      this.live = last;
      this.problems.clear();
      return;
    }
    let file: PlainFile;
    try {
      file = await PlainFile.open(this.id, this.options.maxLineBytes, this.options.keep);
    } catch (err) {
      this.onPathGone(pathProblemOf(err));
      return;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have come while the file opened
    if (this.stopping) {
      await file.close();
      return;
    }
    const fromEnd = this.endWhenReadable && !this.everHadFile;
    if (fromEnd) {
      const { offset, midLine } = await file.endOfLastLine(this.options.maxLineBytes);
      file.seek(offset, { midLine });
      this.lastPosition = this.positionIn(file, offset);
    }
    this.endWhenReadable = false;
    const previous = live ?? last ?? null;
    if (live !== null) this.retire(live);
    const between =
      previous !== null ? await rotatedBetween(previous, file, this.liveSeenAt, this.catchUpContext()) : [];
    this.queue.push(...between, file);
    this.live = file;
    this.liveSeenAt = this.scheduler.now();
    if (this.everHadFile) {
      this.counters.rotations++;
      this.counters.lastRotationAt = this.liveSeenAt;
      this.logger.info(
        { source: this.id, between: between.map((f) => f.label), graceSeconds: this.options.rotationGraceMs / 1000 },
        `${this.id} was rotated: the old file is read for ${this.options.rotationGraceMs / 1000} s more (late writers), then the new one from its start`,
      );
    } else if (fromEnd) {
      this.logger.info(
        { source: this.id, offset: file.readOffset },
        `${this.id} is readable now: reading it from its end as of now (start_at = "end"; what it held while it could not be read is not reported)`,
      );
    } else {
      this.logger.info({ source: this.id }, `${this.id} appeared: reading it from its start`);
    }
    this.everHadFile = true;
    this.problems.clear();
    this.kick();
  }

  private onPathGone(problem: PathProblem): void {
    const live = this.live;
    if (live !== null) {
      this.retire(live);
      this.logger.info(
        { source: this.id, problem: problem.kind },
        `${this.id} was renamed, deleted or replaced: reading what is left of the old file for ${this.options.rotationGraceMs / 1000} s, then waiting for a new one`,
      );
    }
    this.noteProblem(problem);
  }

  private noteProblem(problem: PathProblem): void {
    this.problems.note(problem);
    if (this.queue.length === 0) this.problems.warn();
  }

  private retire(file: PlainFile): void {
    file.graceUntil = this.scheduler.now() + this.options.rotationGraceMs;
    if (this.live === file) this.live = null;
    this.wakeAt(file.graceUntil);
  }

  private wakeAt(time: number): void {
    if (this.stopping || this.wakeTimes.has(time)) return;
    this.wakeTimes.add(time);
    const timer = this.scheduler.timeout(
      () => {
        this.timers.delete(timer);
        this.wakeTimes.delete(time);
        this.kick();
      },
      Math.max(0, time - this.scheduler.now()) + 5,
    );
    this.timers.add(timer);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.scheduler.timeout(() => {
        this.timers.delete(timer);
        this.cancelPause = null;
        resolve();
      }, ms);
      this.timers.add(timer);
      this.cancelPause = () => {
        timer.cancel();
        this.timers.delete(timer);
        resolve();
      };
    });
  }
}

import { stat } from 'node:fs/promises';
import type { Logger } from '../types.js';
import type { Scheduler } from '../time/scheduler.js';
import { restAfterTruncation, rotatedBetween, type CatchUpContext } from './catch-up.js';
import { PlainFile, type FollowedFile } from './followed-file.js';
import type { FollowedFiles } from './followed-files.js';
import type { StatsCounter } from './line-source.js';
import { pathProblemOf, PathProblemReporter, type PathProblem } from './path-problem.js';
import { openAtPath } from './resume-plan.js';

/*
 * The rotation state machine of one followed path (README, "Log rotation"). The states are
 * read off the head of the read queue (FollowedFiles.state):
 *
 *   following    the file at the path (the live file) is read as it grows
 *   draining     a file rotated away from the path is read on for the grace period (its writer
 *                may append until logrotate's HUP reaches it), then finished
 *   catching-up  files found beside the path, never read, are read to their end first: the copy
 *                holding a truncated file's unread rest, files rotated away between two looks,
 *                files rotated while wrapwatch was stopped (resume-plan.ts)
 *   waiting      nothing to read: the path is missing, or not a readable regular file
 *
 * Events, from a look at the path (stat, never a watcher's event: those only wake the source)
 * or from the read loop, and what each does (apply()):
 *
 *   same        the path holds the live file: nothing
 *   replaced    the path holds another file, or one appeared: the live file, if any, starts
 *               its grace period; files rotated away in between are found beside the path and
 *               queued; the new file is live, read from byte 0 (following / draining)
 *   gone        the path is missing or unusable: the live file, if any, starts its grace
 *               period (draining); warned once nothing is left to read (waiting)
 *   moved-back  the newest rotated file is at the path again: it is live again, grace over
 *   truncated   the file being read shrank or its first bytes changed (copytruncate,
 *               `> file`): the unread rest of the old content is read from its copy beside
 *               the path, the held partial line going on there (catching-up), then the file
 *               from byte 0; with no copy, the rest and the partial line are gone
 *   grace-over  a rotated file is read to its end and its grace period is over (or it cannot
 *               be read): its partial last line was delivered as a line; it is closed
 */
export type PathEvent =
  | { readonly kind: 'same' }
  | { readonly kind: 'replaced' }
  | { readonly kind: 'gone'; readonly problem: PathProblem }
  | { readonly kind: 'moved-back' }
  | { readonly kind: 'truncated'; readonly file: PlainFile }
  | { readonly kind: 'grace-over'; readonly file: FollowedFile };

/** What stat() says is at the path. */
export type PathLook =
  | { readonly kind: 'file'; readonly dev: number; readonly ino: number }
  | { readonly kind: 'problem'; readonly problem: PathProblem };

export async function lookAt(path: string): Promise<PathLook> {
  try {
    const st = await stat(path);
    return st.isFile()
      ? { kind: 'file', dev: st.dev, ino: st.ino }
      : { kind: 'problem', problem: { kind: 'not-regular' } };
  } catch (err) {
    return { kind: 'problem', problem: pathProblemOf(err) };
  }
}

/** The event a look at the path is, given the live file and the newest rotated one. */
export function eventOf(
  look: PathLook,
  files: { readonly live: PlainFile | null; readonly newestRotated: PlainFile | null },
): PathEvent {
  if (look.kind === 'problem') return { kind: 'gone', problem: look.problem };
  const at = (f: PlainFile | null) => f !== null && f.dev === look.dev && f.ino === look.ino;
  if (at(files.live)) return { kind: 'same' };
  if (at(files.newestRotated)) return { kind: 'moved-back' };
  return { kind: 'replaced' };
}

export interface RotationOptions {
  readonly path: string;
  readonly maxLineBytes: number;
  /** The splitters' prefilter phrases; none: every line is delivered. */
  readonly keep?: readonly string[];
  readonly graceMs: number;
  readonly files: FollowedFiles;
  readonly counters: StatsCounter;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly stopping: () => boolean;
  /** A file was queued: the read loop has something to do. */
  readonly wake: () => void;
  /** Reading a log that just became readable begins at `offset`, its end (start_at = "end"). */
  readonly startsAt: (file: PlainFile, offset: number) => void;
}

/** What the path was like when following began (from the resume plan). */
export interface PathAtStart {
  /** A file was ever followed at the path (or a checkpoint says so): a new one is a rotation. */
  readonly everHadFile: boolean;
  /** start_at = "end" and the log exists but cannot be read yet: see FileSource.start(). */
  readonly endWhenReadable: boolean;
  readonly problem: PathProblem | null;
}

/** Carries out the events above on the read queue, and logs and counts them. */
export class Rotation {
  private readonly problems: PathProblemReporter;
  private everHadFile = false;
  private endWhenReadable = false;
  /**
   * Wall-clock time (as file timestamps are) when the path was last seen holding the live
   * file; rotated files created later than this came after it.
   */
  private liveSeenAt = 0;

  constructor(private readonly options: RotationOptions) {
    this.problems = new PathProblemReporter(options.path, options.logger);
  }

  begin(start: PathAtStart): void {
    this.everHadFile = start.everHadFile;
    this.endWhenReadable = start.endWhenReadable;
    if (this.options.files.live !== null) this.liveSeenAt = this.options.scheduler.now();
    if (start.problem) this.noteProblem(start.problem);
  }

  /** Looks at the path and acts on what it finds. */
  async checkPath(): Promise<void> {
    if (this.options.stopping()) return;
    await this.apply(eventOf(await lookAt(this.options.path), this.options.files));
  }

  async apply(event: PathEvent): Promise<void> {
    const { files } = this.options;
    const before = files.state;
    switch (event.kind) {
      case 'same': {
        this.liveSeenAt = this.options.scheduler.now();
        // Queued behind rotated files it is not read yet; still learn its first bytes as they
        // come, so that a copytruncate before it is read is noticed (and its copy found) then.
        const live = files.live;
        if (live !== null && live !== files.head) await live.probe();
        break;
      }
      case 'replaced':
        await this.onReplaced();
        break;
      case 'gone':
        this.onGone(event.problem);
        break;
      case 'moved-back':
        files.takeBackNewest();
        this.problems.clear();
        break;
      case 'truncated':
        await this.onTruncated(event.file);
        break;
      case 'grace-over':
        await this.onGraceOver(event.file);
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown path event ${JSON.stringify(unknown)}`);
      }
    }
    const after = files.state;
    if (after !== before)
      this.options.logger.debug(
        { source: this.options.path, event: event.kind, before, after },
        `${this.options.path}: ${before} -> ${after}`,
      );
  }

  private async onReplaced(): Promise<void> {
    const { path, files, logger, graceMs } = this.options;
    const opened = await openAtPath(path, this.options.maxLineBytes, this.options.keep);
    if ('problem' in opened) {
      this.onGone(opened.problem);
      return;
    }
    const { file } = opened;
    if (this.options.stopping()) {
      await file.close();
      return;
    }
    const fromEnd = this.endWhenReadable && !this.everHadFile;
    if (fromEnd) {
      const { offset, midLine } = await file.endOfLastLine(this.options.maxLineBytes);
      file.seek(offset, { midLine });
      this.options.startsAt(file, offset);
    }
    this.endWhenReadable = false;
    const previous = files.live ?? files.newest ?? null;
    files.retireLive();
    const between =
      previous !== null ? await rotatedBetween(previous, file, this.liveSeenAt, this.catchUpContext()) : [];
    for (const rotated of between) files.queueFound(rotated);
    files.follow(file);
    this.liveSeenAt = this.options.scheduler.now();
    if (this.everHadFile) {
      this.options.counters.rotations++;
      this.options.counters.lastRotationAt = this.liveSeenAt;
      logger.info(
        { source: path, between: between.map((f) => f.label), graceSeconds: graceMs / 1000 },
        `${path} was rotated: the old file is read for ${graceMs / 1000} s more (late writers), then the new one from its start`,
      );
    } else if (fromEnd) {
      logger.info(
        { source: path, offset: file.readOffset },
        `${path} is readable now: reading it from its end as of now (start_at = "end"; what it held while it could not be read is not reported)`,
      );
    } else {
      logger.info({ source: path }, `${path} appeared: reading it from its start`);
    }
    this.everHadFile = true;
    this.problems.clear();
    this.options.wake();
  }

  private onGone(problem: PathProblem): void {
    const { path, files, graceMs } = this.options;
    if (files.live !== null) {
      files.retireLive();
      this.options.logger.info(
        { source: path, problem: problem.kind },
        `${path} was renamed, deleted or replaced: reading what is left of the old file for ${graceMs / 1000} s, then waiting for a new one`,
      );
    }
    this.noteProblem(problem);
  }

  /** Truncated while being read: live, or rotated away before the truncation was noticed. */
  private async onTruncated(file: PlainFile): Promise<void> {
    const { path, files, counters, logger } = this.options;
    counters.truncations++;
    counters.lastRotationAt = this.options.scheduler.now();
    const replaced = await file.restartContent();
    files.restarted(file);
    const { resumeAt } = replaced;
    try {
      const { files: rest, copy } = await restAfterTruncation(replaced, this.catchUpContext());
      files.queueBeforeHead(rest);
      if (copy !== null) {
        logger.info(
          {
            source: path,
            file: file.label,
            copy: copy.path,
            offset: resumeAt,
            between: rest.slice(1).map((f) => f.label),
          },
          `${file.label} was truncated (copytruncate): reading the rest of the old content from ${copy.path}, then ${file.label} from its start`,
        );
      } else {
        logger.info(
          { source: path, file: file.label, offset: resumeAt, droppedPartialBytes: replaced.splitter.pendingBytes },
          `${file.label} was truncated and no copy of it is beside it; reading it again from its start`,
        );
      }
    } catch (err) {
      logger.warn(
        { source: path, file: file.label, err },
        `${file.label} was truncated and its copy cannot be read; reading ${file.label} from its start`,
      );
    }
  }

  private async onGraceOver(file: FollowedFile): Promise<void> {
    const { files } = this.options;
    if (!files.dropFinished(file)) return;
    await file.close().catch(() => undefined);
    this.options.logger.debug(
      { source: this.options.path, file: file.label, offset: file.lineEnd },
      'finished reading a rotated file',
    );
    if (files.isEmpty) this.problems.warn();
  }

  private noteProblem(problem: PathProblem): void {
    this.problems.note(problem);
    if (this.options.files.isEmpty) this.problems.warn();
  }

  private catchUpContext(): CatchUpContext {
    const { files } = this.options;
    return {
      path: this.options.path,
      maxLineBytes: this.options.maxLineBytes,
      keep: this.options.keep,
      logger: this.options.logger,
      // A getter: read when the siblings have been listed, not before.
      get open() {
        return files.files;
      },
    };
  }
}

import type { Scheduler, Timer } from '../time/scheduler.js';
import { PlainFile, type FollowedFile } from './followed-file.js';

/**
 * Where the followed path stands, read off the head of the read queue (see rotation.ts, where
 * the events that move it between these states are handled).
 */
export type PathState =
  /** The file at the path (the live file) is read as it grows; nothing is queued before it. */
  | 'following'
  /** A file rotated away from the path is read on until its grace period is over. */
  | 'draining'
  /** Files found beside the path and never read are read to their end first. */
  | 'catching-up'
  /** Nothing to read: no usable file at the path, every rotated one finished. */
  | 'waiting';

/** A file in the read queue, with what only the queue decides about it. */
interface Queued {
  readonly file: FollowedFile;
  /** The same file, when it is one that can be followed at the path (not an archive). */
  readonly plain: PlainFile | null;
  /** Found beside the path (catch-up) rather than followed at it until it was rotated away. */
  found: boolean;
  /**
   * null while it is the file at the path. Once it is not, the clock time after which it is
   * read one last time to its end, its partial line flushed, and it is closed.
   */
  graceUntil: number | null;
  /** Offset past the last line the handler took, for `bytesBehind()`. */
  delivered: number;
}

/**
 * The read queue: the files to read, strictly one after the other, the oldest content first;
 * the live file (the one at the path), always last; and the rotated files' grace periods, with
 * the timers that wake the source when one ends. Files are read in order so that a checkpoint
 * is always one (file, offset) pair with everything before it read.
 */
export class FollowedFiles {
  private queue: Queued[] = [];
  private liveEntry: Queued | null = null;
  /** Grace-period ends a wake-up is already set for (each look at a file's end asks again). */
  private readonly wakeUps = new Map<number, Timer>();
  private closed = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly graceMs: number,
    /** Called when a grace period ends: the source should read (and finish) the file. */
    private readonly wake: () => void,
  ) {}

  get live(): PlainFile | null {
    return this.liveEntry?.plain ?? null;
  }

  /** The file to read now. */
  get head(): FollowedFile | undefined {
    return this.queue[0]?.file;
  }

  get isEmpty(): boolean {
    return this.queue.length === 0;
  }

  get state(): PathState {
    const head = this.queue[0];
    if (head === undefined) return 'waiting';
    if (head === this.liveEntry) return 'following';
    return head.found ? 'catching-up' : 'draining';
  }

  /** The last file queued: the newest content, which a new file at the path comes after. */
  get newest(): FollowedFile | undefined {
    return this.queue[this.queue.length - 1]?.file;
  }

  /**
   * The last file queued, if no file is live and it is a plain file: the one a rename back to
   * the path makes live again.
   */
  get newestRotated(): PlainFile | null {
    if (this.liveEntry !== null) return null;
    return this.queue[this.queue.length - 1]?.plain ?? null;
  }

  /** Every file open for reading, for not opening one twice. */
  get files(): readonly FollowedFile[] {
    return this.queue.map((q) => q.file);
  }

  isLive(file: FollowedFile): boolean {
    return this.liveEntry?.file === file;
  }

  /** Queues rotated files found beside the path, to be read to their end (resume, catch-up). */
  queueFound(file: FollowedFile, graceUntil = this.scheduler.now()): void {
    this.queue.push(this.found(file, graceUntil));
    if (graceUntil > this.scheduler.now()) this.wakeAt(graceUntil);
  }

  /** Found files whose content comes before the head's (the copy of a truncated file's rest). */
  queueBeforeHead(files: readonly FollowedFile[]): void {
    const now = this.scheduler.now();
    this.queue.unshift(...files.map((file) => this.found(file, now)));
  }

  /** `file` is now the file at the path: read after everything queued. */
  follow(file: PlainFile): void {
    const entry: Queued = { file, plain: file, found: false, graceUntil: null, delivered: file.readOffset };
    this.queue.push(entry);
    this.liveEntry = entry;
  }

  /** The live file left the path: it is read on for the grace period, then finished. */
  retireLive(): void {
    const entry = this.liveEntry;
    if (entry === null) return;
    entry.graceUntil = this.scheduler.now() + this.graceMs;
    this.liveEntry = null;
    this.wakeAt(entry.graceUntil);
  }

  /** The newest rotated file is at the path again: its grace period ends, it is live again. */
  takeBackNewest(): void {
    const last = this.queue[this.queue.length - 1];
    if (this.liveEntry !== null || last === undefined || last.plain === null) return;
    last.graceUntil = null;
    last.found = false;
    this.liveEntry = last;
  }

  /**
   * At the end of `file` for now: true once it is a rotated file whose grace period is over.
   * While it is not over, a wake-up is set for its end.
   */
  graceOver(file: FollowedFile): boolean {
    const until = this.entryOf(file)?.graceUntil ?? null;
    if (until === null) return false;
    if (this.scheduler.now() >= until) return true;
    this.wakeAt(until);
    return false;
  }

  /**
   * Takes a finished rotated file off the queue; false if it is no longer a rotated file at the
   * head (moved back to the path while its last line was being delivered): it is not finished.
   */
  dropFinished(file: FollowedFile): boolean {
    const head = this.queue[0];
    if (head?.file !== file || head === this.liveEntry) return false;
    this.queue.shift();
    return true;
  }

  /** The content of `file` was replaced in place: it is read again from the start. */
  restarted(file: FollowedFile): void {
    const entry = this.entryOf(file);
    if (entry) entry.delivered = 0;
  }

  /** The handler took the lines of `file` up to `offset`. */
  delivered(file: FollowedFile, offset: number): void {
    const entry = this.entryOf(file);
    if (entry) entry.delivered = offset;
  }

  bytesBehind(): number {
    let behind = 0;
    for (const q of this.queue) behind += Math.max(0, q.file.knownSize - q.delivered);
    return behind;
  }

  /** Cancels the wake-ups and closes every file. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.wakeUps.values()) timer.cancel();
    this.wakeUps.clear();
    const files = this.queue.map((q) => q.file);
    this.queue = [];
    this.liveEntry = null;
    await Promise.all(files.map((file) => file.close().catch(() => undefined)));
  }

  private found(file: FollowedFile, graceUntil: number): Queued {
    const plain = file instanceof PlainFile ? file : null;
    return { file, plain, found: true, graceUntil, delivered: file.readOffset };
  }

  private entryOf(file: FollowedFile): Queued | undefined {
    return this.queue.find((q) => q.file === file);
  }

  private wakeAt(time: number): void {
    if (this.closed || this.wakeUps.has(time)) return;
    // A little after the end, so that the look it causes finds the grace period over.
    const timer = this.scheduler.timeout(
      () => {
        this.wakeUps.delete(time);
        this.wake();
      },
      Math.max(0, time - this.scheduler.now()) + 5,
    );
    this.wakeUps.set(time, timer);
  }
}

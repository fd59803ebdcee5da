import { statSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../types.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';

/** What woke the source: names in the directory changed (rename, create, delete), or data was written. */
export type WakeReason = 'names' | 'data' | 'poll';

/** While the directory watcher works, the poll is only a safety net: this many times slower. */
export const WATCHED_POLL_FACTOR = 10;

/**
 * Tells a file source when to look again. Watching the directory (inotify) sees appends to
 * the log and to its rotated siblings, renames, creates and deletes as they happen; a timer
 * wakes the source regardless, so a watcher that misses events, dies, or cannot be set up
 * (the directory does not exist yet) only delays reading, never stops it. The timer runs every
 * `intervalMs` while there is no watcher, and every `WATCHED_POLL_FACTOR` x `intervalMs` while
 * there is one: each look costs a few system calls, and an idle daemon should cost nothing.
 */
export class WakeSignal {
  private watcher: FSWatcher | null = null;
  /** The directory the watcher was set on: a directory deleted and made again is another inode. */
  private watchedIno: number | null = null;
  private timer: Timer | null = null;
  private readonly dir: string;
  private readonly base: string;
  private watchFailureLogged = false;
  private stopped = false;

  constructor(
    path: string,
    private readonly intervalMs: number,
    private readonly onWake: (reason: WakeReason) => void,
    private readonly logger: Logger,
    private readonly useWatcher = true,
    private readonly scheduler: Scheduler = realScheduler,
  ) {
    this.dir = dirname(path);
    this.base = basename(path);
  }

  start(): void {
    this.ensureWatcher();
    this.schedulePoll();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    this.closeWatcher();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    const delay = this.watcher !== null ? this.intervalMs * WATCHED_POLL_FACTOR : this.intervalMs;
    this.timer = this.scheduler.timeout(() => {
      void this.checkWatcher().finally(() => {
        this.schedulePoll();
      });
      this.onWake('poll');
    }, delay);
  }

  /** inotify watches an inode: once the directory is replaced the watcher hears nothing, silently. */
  private async checkWatcher(): Promise<void> {
    if (this.watcher !== null) {
      const ino = await stat(this.dir).then(
        (st) => st.ino,
        () => null,
      );
      if (ino !== this.watchedIno) this.closeWatcher();
    }
    this.ensureWatcher();
  }

  private ensureWatcher(): void {
    if (!this.useWatcher || this.watcher !== null || this.stopped) return;
    try {
      const ino = statSync(this.dir).ino;
      const watcher = watch(this.dir, { persistent: false }, (event, name) => {
        // Other logs in /var/log change all the time: only ours and its rotated names matter.
        if (name !== null && !name.startsWith(this.base)) return;
        this.onWake(event === 'rename' ? 'names' : 'data');
      });
      watcher.on('error', (err: unknown) => {
        this.logger.debug({ dir: this.dir, err }, 'directory watcher failed; polling until it can be set up again');
        this.closeWatcher();
      });
      this.watcher = watcher;
      this.watchedIno = ino;
      this.watchFailureLogged = false;
    } catch (err) {
      if (!this.watchFailureLogged) {
        this.logger.debug({ dir: this.dir, err }, 'cannot watch the directory yet; polling');
        this.watchFailureLogged = true;
      }
    }
  }

  private closeWatcher(): void {
    const watcher = this.watcher;
    this.watcher = null;
    watcher?.close();
  }
}

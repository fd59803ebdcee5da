import type { Seq, SkipReason, SourceLine, SourcePosition } from '../types.js';

/**
 * Receives each batch of lines. The source awaits the returned promise before it reads on:
 * that is the daemon's backpressure. A rejected promise is logged and the same batch (same
 * sequence numbers) is offered again after a pause, so a failing handler never loses lines.
 */
export type LineHandler = (lines: readonly SourceLine[]) => Promise<void>;

/** Hands out the next sequence number; one function shared by every source in a daemon. */
export type NextSeq = () => Seq;

/** A monotonic counter to share between sources: `createSources(..., { nextSeq: createSeqCounter() })`. */
export function createSeqCounter(first: Seq = 1): NextSeq {
  let next = first;
  return () => next++;
}

export interface SourceStats {
  /** Complete lines (or journal entries) read, skipped ones included. */
  readonly lines: number;
  /** Bytes read from files (journal: bytes of JSON read from journalctl). */
  readonly bytes: number;
  /** Lines delivered with a `defect`, by reason. */
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
  /** Files that replaced the followed one (rename + create, delete + create). */
  readonly rotations: number;
  /** Followed files that shrank or whose first bytes changed (copytruncate, `> file`). */
  readonly truncations: number;
  /** journalctl restarts (journal source); always 0 for files. */
  readonly restarts: number;
  /** When the last rotation or truncation was noticed (epoch ms); null: none since the start. */
  readonly lastRotationAt?: number | null;
}

/**
 * One configured input. It never commits anything: every line carries its position and the
 * daemon commits positions through the checkpoint store once their lines are delivered.
 */
export interface LineSource {
  /** The checkpoint key: the configured path, or "journal". */
  readonly id: string;
  /** Opens what it follows and begins delivering; resolves once following has begun. */
  start(): Promise<void>;
  /**
   * Closes handles, watchers, timers and child processes, and reads nothing more. A batch the
   * handler has not finished is not waited for: the daemon may be stopping the stage holding it.
   */
  stop(): Promise<void>;
  stats(): SourceStats;
  /** Bytes written to the followed file(s) but not yet delivered as complete lines (0 for the journal). */
  bytesBehind(): number;
  /**
   * Where a restart would resume if every line handed out so far were delivered: the last
   * line's position, or where reading began (null: nowhere yet). Committing it on a first start
   * keeps a restart before the first line from skipping what was written in between.
   */
  position(): SourcePosition | null;
}

/** start() called twice: a source follows its input once; make a new one to start over. */
export class SourceAlreadyStartedError extends Error {
  override readonly name = 'SourceAlreadyStartedError';
  constructor(readonly sourceId: string) {
    super(`the source ${sourceId} was already started`);
  }
}

/** Mutable counters behind `stats()`, shared by the sources' implementations. */
export class StatsCounter {
  lines = 0;
  bytes = 0;
  rotations = 0;
  truncations = 0;
  restarts = 0;
  lastRotationAt: number | null = null;
  private readonly skipped: Partial<Record<SkipReason, number>> = {};

  skip(reason: SkipReason): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  snapshot(): SourceStats {
    return {
      lines: this.lines,
      bytes: this.bytes,
      skipped: { ...this.skipped },
      rotations: this.rotations,
      truncations: this.truncations,
      restarts: this.restarts,
      lastRotationAt: this.lastRotationAt,
    };
  }
}

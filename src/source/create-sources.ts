import type { Config } from '../config/load.js';
import type { Logger, SourcePosition } from '../types.js';
import type { Scheduler } from '../time/scheduler.js';
import { FileSource } from './file-source.js';
import { JOURNAL_SOURCE_ID, JournalSource } from './journal-source.js';
import type { LineHandler, LineSource, NextSeq } from './line-source.js';

export interface SourceDeps {
  readonly logger: Logger;
  /** One counter for all sources, so sequence numbers order lines across them. */
  readonly nextSeq: NextSeq;
  /** What the checkpoint store loaded, by source id (path, or "journal"). */
  readonly checkpoints: ReadonlyMap<string, SourcePosition>;
  readonly onLines: LineHandler;
  readonly scheduler?: Scheduler;
  /** File sources deliver only lines holding one of these phrases (see FileSourceOptions.keep). */
  readonly keep?: readonly string[];
  /**
   * Replaces `source.start_at` for sources without a checkpoint: "beginning" after the
   * checkpoint file was found corrupt, when "end" could skip lines written while stopped.
   */
  readonly startAtOverride?: 'beginning';
}

/** One source per configured path (each with its own checkpoint), or the journal source. */
export function createSources(config: Config, deps: SourceDeps): LineSource[] {
  const source = config.source;
  if (source.type === 'journal') {
    return [
      new JournalSource({
        journalctl: source.journal.journalctl,
        files: source.journal.files,
        directory: source.journal.directory,
        startAt: deps.startAtOverride ?? source.start_at,
        maxLineBytes: source.max_line_bytes,
        rejectForged: source.journal.reject_forged,
        resumeFrom: deps.checkpoints.get(JOURNAL_SOURCE_ID) ?? null,
        onLines: deps.onLines,
        nextSeq: deps.nextSeq,
        logger: deps.logger,
        scheduler: deps.scheduler,
      }),
    ];
  }
  return [...new Set(source.paths)].map(
    (path) =>
      new FileSource({
        path,
        startAt: deps.startAtOverride ?? source.start_at,
        maxLineBytes: source.max_line_bytes,
        keep: deps.keep,
        rotationGraceMs: source.rotation_grace_seconds * 1000,
        pollIntervalMs: source.poll_interval_ms,
        resumeFrom: deps.checkpoints.get(path) ?? null,
        onLines: deps.onLines,
        nextSeq: deps.nextSeq,
        logger: deps.logger,
        scheduler: deps.scheduler,
      }),
  );
}

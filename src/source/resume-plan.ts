import type { FileIdentity, Logger } from '../types.js';
import { sameFile } from './file-identity.js';
import { PlainFile, type FollowedFile } from './followed-file.js';
import { openRotated, openSibling } from './open-rotated.js';
import { pathProblemOf, type PathProblem } from './path-problem.js';
import { listSiblings, locateContent, notAfter, rotatedAfter } from './rotated-siblings.js';

/** Opens the file at the path, or says why there is none to follow. */
export async function openAtPath(
  path: string,
  maxLineBytes: number,
  keep?: readonly string[],
): Promise<{ file: PlainFile } | { problem: PathProblem }> {
  try {
    return { file: await PlainFile.open(path, maxLineBytes, keep) };
  } catch (err) {
    return { problem: pathProblemOf(err) };
  }
}

export interface ResumeOptions {
  readonly path: string;
  readonly checkpoint: { readonly identity: FileIdentity; readonly offset: number } | null;
  readonly startAt: 'end' | 'beginning';
  readonly maxLineBytes: number;
  /** The splitters' prefilter phrases; none: every line is delivered. */
  readonly keep?: readonly string[];
  readonly graceMs: number;
  readonly now: number;
  readonly logger: Logger;
}

/** A file found beside the path, to read before the live file. */
export interface PlannedFile {
  readonly file: FollowedFile;
  /** When its grace period (reading on for late writers) ends; already over for most. */
  readonly graceUntil: number;
}

export interface ResumePlan {
  /** Rotated files to read first, in order. */
  readonly rotated: readonly PlannedFile[];
  /** The file at the path, read after them. */
  readonly live: PlainFile | null;
  readonly problem: PathProblem | null;
}

/**
 * Decides where reading starts. Without a checkpoint: `start_at`. With one: the file at the
 * path if it is still the checkpointed file; otherwise the path was rotated (or copytruncated)
 * while nobody read it, so the checkpointed file is looked up among the rotated siblings and
 * read from the checkpoint on, then every file rotated out after it, then the path from 0.
 */
export async function planResume(options: ResumeOptions): Promise<ResumePlan> {
  const { path, checkpoint, maxLineBytes, keep, logger } = options;
  const at = await openAtPath(path, maxLineBytes, keep);
  const live = 'file' in at ? at.file : null;
  const problem = 'problem' in at ? at.problem : null;

  if (checkpoint === null) {
    if (live && options.startAt === 'end') {
      const { offset, midLine } = await live.endOfLastLine(maxLineBytes);
      live.seek(offset, { midLine });
    }
    return { rotated: [], live, problem };
  }

  if (live && sameFile(checkpoint.identity, live, live.headBytes) && live.knownSize >= checkpoint.offset) {
    live.seek(checkpoint.offset);
    return { rotated: [], live, problem };
  }

  const siblings = await listSiblings(path);
  const found = await locateContent(checkpoint.identity, siblings, checkpoint.offset);
  if (found === null) {
    logger.warn(
      { source: path, checkpoint },
      `the file ${path} was read from is gone (not at the path, no rotated copy beside it): reading ${path} from its start; lines written to the old file after the checkpoint are lost`,
    );
    return { rotated: [], live, problem };
  }

  let first: FollowedFile;
  try {
    first = await openSibling(found, checkpoint.offset, maxLineBytes, keep);
  } catch (err) {
    logger.warn(
      { source: path, file: found.path, err },
      `cannot open ${found.path}, the file last read from: reading ${path} from its start`,
    );
    return { rotated: [], live, problem };
  }
  // The checkpointed file is read for a grace period from now, as a file just rotated away
  // would be; the newer ones are read to their end and closed (their grace is over at once).
  const rotated: PlannedFile[] = [{ file: first, graceUntil: options.now + options.graceMs }];
  const newer = notAfter(
    await rotatedAfter(found, siblings, (s) => live !== null && s.dev === live.dev && s.ino === live.ino),
    siblings,
    live,
  );
  for (const file of await openRotated(newer, { path, maxLineBytes, keep, logger }))
    rotated.push({ file, graceUntil: options.now });
  logger.info(
    { source: path, resume: found.path, offset: checkpoint.offset, then: newer.map((s) => s.path) },
    `${path} was rotated while it was not being read: reading the rest of ${found.path} first, then ${newer.length > 0 ? `${newer.length} newer rotated file(s), then ` : ''}${path} from its start`,
  );
  return { rotated, live, problem };
}

import type { Logger } from '../types.js';
import { identityOf } from './file-identity.js';
import { GzipFile, PlainFile, RotatedFileMovedError, type FollowedFile } from './followed-file.js';
import type { LineSplitter } from './line-splitter.js';
import { contentHead, contentSize, type Sibling } from './rotated-siblings.js';

/**
 * Opening rotated files to read: the one owner of how a sibling (plain or .gz) is opened and
 * what happens when one cannot be, for the resume at start (resume-plan.ts) and the catch-up
 * while running (catch-up.ts).
 */

/** What opening rotated files needs to know about the source. */
export interface RotatedReadContext {
  /** The followed path, for the log. */
  readonly path: string;
  readonly maxLineBytes: number;
  /** The splitters' prefilter phrases; none: every line is delivered. */
  readonly keep?: readonly string[];
  readonly logger: Logger;
}

/**
 * Opens a rotated sibling positioned at `offset`. `carry`: the splitter the content was being
 * read with elsewhere (the copy of a truncated file goes on with its held partial line).
 */
export async function openSibling(
  sibling: Sibling,
  offset: number,
  maxLineBytes: number,
  keep?: readonly string[],
  carry?: LineSplitter,
): Promise<FollowedFile> {
  if (sibling.gzip) {
    const identity = identityOf(sibling, await contentHead(sibling));
    return new GzipFile(sibling.path, identity, await contentSize(sibling), offset, maxLineBytes, keep, carry);
  }
  const file = await PlainFile.open(sibling.path, maxLineBytes, keep);
  if (file.dev !== sibling.dev || file.ino !== sibling.ino) {
    // Renamed on by logrotate between listing and opening: not the file that was chosen.
    await file.close();
    throw new RotatedFileMovedError(sibling.path);
  }
  file.seek(offset, { carry });
  return file;
}

/** Opens rotated files to be read whole, in order; one that cannot be opened is reported and skipped. */
export async function openRotated(siblings: readonly Sibling[], context: RotatedReadContext): Promise<FollowedFile[]> {
  const files: FollowedFile[] = [];
  for (const sibling of siblings) {
    try {
      files.push(await openSibling(sibling, 0, context.maxLineBytes, context.keep));
    } catch (err) {
      context.logger.warn(
        { source: context.path, file: sibling.path, err },
        `cannot read the rotated file ${sibling.path}; its lines are skipped`,
      );
    }
  }
  return files;
}

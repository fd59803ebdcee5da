import type { FileIdentity } from '../types.js';
import type { FollowedFile, PlainFile, ReplacedContent } from './followed-file.js';
import { openRotated, openSibling, type RotatedReadContext } from './open-rotated.js';
import { listSiblings, locateContent, notAfter, rotatedAfter, rotatedSince, type Sibling } from './rotated-siblings.js';

/**
 * Finding the rotated files the source must read before the file now at the path, while it
 * runs: the copy holding the unread rest of a truncated file, and files rotated away between
 * two looks. (At start, resume-plan.ts does the same from the checkpoint.)
 */
export interface CatchUpContext extends RotatedReadContext {
  /** Files already being read (not to be opened twice). */
  readonly open: readonly { readonly identity: FileIdentity }[];
}

const key = (s: { readonly dev: number; readonly ino: number }) => `${s.dev}:${s.ino}`;

function isOpen(
  context: CatchUpContext,
  extra: readonly { readonly dev: number; readonly ino: number }[] = [],
): (s: Sibling) => boolean {
  const open = new Set([...context.open.map((f) => key(f.identity)), ...extra.map(key)]);
  return (s) => open.has(key(s));
}

/**
 * After copytruncate, the bytes of the `replaced` content not yet read are in the copy
 * (`auth.log.1`, maybe already `.gz`): the copy positioned there, going on with the held
 * partial line (the same splitter), then copies made by later truncations. Empty when there
 * is no copy (`> file`): those bytes are gone.
 */
export async function restAfterTruncation(
  replaced: ReplacedContent,
  context: CatchUpContext,
): Promise<{ files: FollowedFile[]; copy: Sibling | null }> {
  const { identity, splitter, resumeAt } = replaced;
  const siblings = (await listSiblings(context.path)).filter((s) => s.dev !== identity.dev || s.ino !== identity.ino);
  const copy = await locateContent(identity, siblings, resumeAt, replaced.tail);
  if (copy === null) return { files: [], copy: null };
  const rest = await openSibling(copy, resumeAt, context.maxLineBytes, context.keep, splitter);
  const between = await openRotated(await rotatedAfter(copy, siblings, isOpen(context)), context);
  return { files: [rest, ...between], copy };
}

/**
 * Files rotated away after `previous` and before `next` appeared at the path, never opened by
 * the source: two rotations between two looks (or while the handler held it back). Found
 * beside `previous` by rotation order; if `previous` was deleted, by being created after
 * `previousSeenAt`, the last time the path was seen holding it.
 */
export async function rotatedBetween(
  previous: FollowedFile,
  next: PlainFile,
  previousSeenAt: number,
  context: CatchUpContext,
): Promise<FollowedFile[]> {
  const siblings = await listSiblings(context.path);
  const skip = isOpen(context, [next]);
  const found = siblings.find((s) => s.dev === previous.identity.dev && s.ino === previous.identity.ino);
  const newer =
    found !== undefined ? await rotatedAfter(found, siblings, skip) : rotatedSince(previousSeenAt, siblings, skip);
  return openRotated(notAfter(newer, siblings, next), context);
}

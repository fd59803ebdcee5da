import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileIdentity } from '../types.js';
import { contentMatches, fingerprintOf, readHead } from './file-identity.js';
import { readGzipHead } from './followed-file.js';

/**
 * Rotated copies of a log beside it: `auth.log.1`, `auth.log.2.gz`, `secure-20261121`,
 * `syslog-2026-11-21.gz`. logrotate's `olddir` and `extension` layouts are not searched.
 */
export interface Sibling {
  readonly path: string;
  readonly name: string;
  readonly gzip: boolean;
  readonly dev: number;
  readonly ino: number;
  /** Size on disk (compressed for gzip). */
  readonly size: number;
  readonly mtimeMs: number;
  readonly birthtimeMs: number;
  /** Where the name puts it in rotation order; null for a name no rotation scheme gives. */
  readonly rotation: RotationName | null;
}

type RotationName =
  { readonly scheme: 'number'; readonly n: number } | { readonly scheme: 'date'; readonly key: string };

const NUMBERED = /^\.(\d{1,6})(?:\.gz)?$/;
const DATED = /^[-._](\d[\d._-]*)(?:\.gz)?$/;

function rotationName(suffix: string): RotationName | null {
  const numbered = NUMBERED.exec(suffix);
  if (numbered) return { scheme: 'number', n: Number(numbered[1]) };
  const dated = DATED.exec(suffix);
  if (dated) {
    const key = (dated[1] ?? '').replace(/\D/g, '');
    if (key.length >= 6) return { scheme: 'date', key };
  }
  return null;
}

/** Regular files in the log's directory whose names extend its name, e.g. every `auth.log*`. */
export async function listSiblings(path: string): Promise<Sibling[]> {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: Sibling[] = [];
  for (const name of names) {
    if (name === base || !name.startsWith(base)) continue;
    const full = join(dir, name);
    try {
      const st = await stat(full);
      if (!st.isFile()) continue;
      const suffix = name.slice(base.length);
      found.push({
        path: full,
        name,
        gzip: name.endsWith('.gz'),
        dev: st.dev,
        ino: st.ino,
        size: st.size,
        mtimeMs: st.mtimeMs,
        birthtimeMs: st.birthtimeMs,
        rotation: rotationName(suffix),
      });
    } catch {
      // Removed between readdir and stat (logrotate deleting an old one): not a candidate.
    }
  }
  return found;
}

/** The first bytes of a sibling's content (decompressed for gzip); empty if it cannot be read. */
export async function contentHead(sibling: Sibling, length?: number): Promise<Buffer> {
  if (sibling.gzip) return readGzipHead(sibling.path, length);
  try {
    const handle = await open(sibling.path, 'r');
    try {
      return await readHead(handle, length);
    } finally {
      await handle.close();
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/** Uncompressed size: a plain file's size, or a gzip file's ISIZE trailer (modulo 4 GiB). */
export async function contentSize(sibling: Sibling): Promise<number> {
  if (!sibling.gzip) return sibling.size;
  if (sibling.size < 18) return 0;
  try {
    const handle = await open(sibling.path, 'r');
    try {
      const trailer = Buffer.alloc(4);
      await handle.read(trailer, 0, 4, sibling.size - 4);
      return trailer.readUInt32LE(0);
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

/** `length` bytes of a sibling's content from `start` (decompressed for gzip); fewer at its end. */
export async function contentAt(sibling: Sibling, start: number, length: number): Promise<Buffer> {
  if (length <= 0) return Buffer.alloc(0);
  if (sibling.gzip) return (await readGzipHead(sibling.path, start + length)).subarray(start);
  try {
    const handle = await open(sibling.path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, start);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return Buffer.alloc(0);
  }
}

/**
 * Finds the file some content was read from among the siblings: the same inode with the same
 * first bytes (a renamed file), else the same first bytes alone (a copytruncate copy, or a
 * gzip archive: new inode, same content). It must hold at least `minSize` bytes, the offset
 * reached in it. First bytes can be few (a file read while it held one short line), so more
 * evidence decides between look-alikes: `tail`, the bytes read just before `minSize`, must be
 * there when given; otherwise a candidate with a newline (or its end) right before `minSize`,
 * where a checkpoint always lies, is preferred.
 */
export async function locateContent(
  identity: FileIdentity,
  siblings: readonly Sibling[],
  minSize: number,
  tail?: Buffer,
): Promise<Sibling | null> {
  const heads = new Map<Sibling, Buffer>();
  const head = async (s: Sibling) => {
    let h = heads.get(s);
    if (h === undefined) heads.set(s, (h = await contentHead(s)));
    return h;
  };
  const tailFits = async (s: Sibling) =>
    tail === undefined || tail.length === 0 || (await contentAt(s, minSize - tail.length, tail.length)).equals(tail);
  const fits = async (s: Sibling) =>
    contentMatches(identity, await head(s)) && (await contentSize(s)) >= minSize && (await tailFits(s));
  for (const s of siblings) {
    if (s.dev === identity.dev && s.ino === identity.ino && (await fits(s))) return s;
  }
  if (identity.fingerprintBytes === 0) return null;
  const matches: { s: Sibling; score: number }[] = [];
  for (const s of siblings) {
    if (!(await fits(s))) continue;
    const before = await contentAt(s, minSize - 1, 1);
    const atLineEnd = minSize === 0 || before[0] === 0x0a || (await contentSize(s)) === minSize;
    // Plain copies first: a copy and its archive may both exist while logrotate compresses.
    matches.push({ s, score: (atLineEnd ? 0 : 2) + (s.gzip ? 1 : 0) });
  }
  matches.sort((a, b) => a.score - b.score);
  return matches[0]?.s ?? null;
}

/**
 * Negative when `a` was rotated out before `b`. Names decide when both follow one scheme
 * (a higher number is older; a later date is newer), because logrotate renames and
 * compresses files, which moves their timestamps. Otherwise time decides: a plain file's
 * birth time (when it began as the live log), or the last write, which gzip keeps.
 */
export function compareAge(a: Sibling, b: Sibling): number {
  const ra = a.rotation;
  const rb = b.rotation;
  if (ra?.scheme === 'number' && rb?.scheme === 'number') return rb.n - ra.n;
  if (ra?.scheme === 'date' && rb?.scheme === 'date' && ra.key.length === rb.key.length)
    return ra.key < rb.key ? -1 : ra.key > rb.key ? 1 : 0;
  return timeKey(a) - timeKey(b);
}

function timeKey(s: Sibling): number {
  return !s.gzip && s.birthtimeMs > 0 ? s.birthtimeMs : s.mtimeMs;
}

/**
 * Rotated files created after `bornAfterMs`, oldest first: for when the file last read cannot
 * be found among the siblings (it was deleted) but its birth time is known.
 */
export function rotatedSince(
  bornAfterMs: number,
  siblings: readonly Sibling[],
  exclude: (s: Sibling) => boolean,
): Sibling[] {
  if (bornAfterMs <= 0) return [];
  return siblings
    .filter((s) => s.rotation !== null && !exclude(s) && timeKey(s) > bornAfterMs)
    .sort((a, b) => compareAge(a, b) || Number(a.gzip) - Number(b.gzip));
}

/**
 * Drops the siblings rotated after `held` when `held` (a file already open as the live one)
 * has itself been rotated meanwhile: it was opened at the path, the writer rotated it before
 * the directory was listed, and what came after it must be read after it, not before. The
 * path check that follows finds those files behind it, in order.
 */
export function notAfter(
  candidates: readonly Sibling[],
  siblings: readonly Sibling[],
  held: { readonly dev: number; readonly ino: number } | null,
): Sibling[] {
  const heldAsSibling = held === null ? undefined : siblings.find((s) => s.dev === held.dev && s.ino === held.ino);
  return heldAsSibling === undefined ? [...candidates] : candidates.filter((s) => compareAge(s, heldAsSibling) < 0);
}

/**
 * Rotated files newer than `found`, oldest first: the ones rotated out after it while nobody
 * was reading (wrapwatch stopped, or blocked). Files showing the same content as one already
 * chosen (a copy next to its archive) are taken once, the plain one preferred.
 */
export async function rotatedAfter(
  found: Sibling,
  siblings: readonly Sibling[],
  exclude: (s: Sibling) => boolean,
): Promise<Sibling[]> {
  const newer = siblings
    .filter((s) => s !== found && s.rotation !== null && !exclude(s) && compareAge(found, s) < 0)
    .sort((a, b) => compareAge(a, b) || Number(a.gzip) - Number(b.gzip));
  const seen = new Set<string>([fingerprintOf(await contentHead(found))]);
  const chosen: Sibling[] = [];
  for (const s of newer) {
    const print = fingerprintOf(await contentHead(s));
    if (print !== '' && seen.has(print)) continue;
    seen.add(print);
    chosen.push(s);
  }
  return chosen;
}

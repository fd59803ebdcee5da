import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { FileIdentity } from '../types.js';
import { FINGERPRINT_BYTES, identityOf, readHead } from './file-identity.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';

/** Bytes kept from just before the consumed offset, to tell a copy of this content from a look-alike. */
const TAIL_BYTES = 64;

/** The path names something that cannot be followed as a log (a directory, a FIFO, a device). */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
  constructor(readonly path: string) {
    super(`${path} is not a regular file`);
  }
}

/** A rotated file was renamed on (or replaced) between finding it and opening it. */
export class RotatedFileMovedError extends Error {
  override readonly name = 'RotatedFileMovedError';
  constructor(readonly path: string) {
    super(`${path} was renamed or replaced while being opened`);
  }
}

/** What a probe of the followed file found. */
export type ProbeResult = 'unchanged' | 'truncated';

/**
 * One file being read: the file at the configured path, a rotated file drained after a rename,
 * or a rotated sibling (plain or gzip) read while catching up after a restart. Where it stands
 * in the read queue (live, in its grace period, how far delivered) is FollowedFiles' business.
 */
export interface FollowedFile {
  /** Where it was found; a rotated file may have moved on since. */
  readonly label: string;
  readonly identity: FileIdentity;
  /** Offset of the next byte to read (bytes handed to the splitter so far). */
  readonly readOffset: number;
  /** Size at the last look, for `bytesBehind()`. */
  readonly knownSize: number;
  /** Offset just past the last complete line: where a reader resumes. */
  readonly lineEnd: number;
  /** Complete lines seen so far, handed out or passed over by the prefilter. */
  readonly linesSeen: number;
  /** Next bytes from `readOffset`, valid until the next call; empty at the end of the file for now. */
  read(scratch: Buffer): Promise<Buffer>;
  /** Hands bytes that were read to the splitter. */
  consume(chunk: Buffer): SplitLine[];
  /** The file is finished: its incomplete last line, if any, as a line of its own. */
  flushPartial(): SplitLine | null;
  close(): Promise<void>;
}

/**
 * What had been read of a file's content when it was replaced in place (copytruncate):
 * enough to find its copy and to go on reading there, the held partial line included.
 */
export interface ReplacedContent {
  readonly identity: FileIdentity;
  /** How far the content was read, the held partial line included: where its copy is read on from. */
  readonly resumeAt: number;
  /** The last bytes handed to the splitter, ending at `resumeAt`. */
  readonly tail: Buffer;
  /** The splitter it was read with: it continues in the copy. */
  readonly splitter: LineSplitter;
}

/** A regular file read through a handle: it may still grow, shrink or be truncated. */
export class PlainFile implements FollowedFile {
  private splitter: LineSplitter;
  private head: Buffer;
  private ident: FileIdentity;
  private offset: number;
  private size: number;
  private tail = Buffer.alloc(0);

  private constructor(
    readonly label: string,
    private readonly handle: FileHandle,
    readonly dev: number,
    readonly ino: number,
    size: number,
    head: Buffer,
    readonly maxLineBytes: number,
    /** The splitter's prefilter phrases (see LineSplitterOptions.keep); none: every line. */
    readonly keep?: readonly string[],
  ) {
    this.size = size;
    this.head = head;
    this.ident = identityOf({ dev, ino }, head);
    this.offset = 0;
    this.splitter = new LineSplitter(maxLineBytes, { keep });
  }

  /**
   * Opens without blocking (a FIFO put in the log's place would hang a plain open) and refuses
   * anything that is not a regular file.
   */
  static async open(path: string, maxLineBytes: number, keep?: readonly string[]): Promise<PlainFile> {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new NotRegularFileError(path);
      const head = await readHead(handle);
      return new PlainFile(path, handle, st.dev, st.ino, st.size, head, maxLineBytes, keep);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  get identity(): FileIdentity {
    return this.ident;
  }

  get readOffset(): number {
    return this.offset;
  }

  get knownSize(): number {
    return this.size;
  }

  /** The first bytes as read at the last probe (for matching a copy of this content). */
  get headBytes(): Buffer {
    return this.head;
  }

  get lineEnd(): number {
    return this.splitter.offset;
  }

  get linesSeen(): number {
    return this.splitter.lineCount;
  }

  flushPartial(): SplitLine | null {
    return this.splitter.flushPartial();
  }

  consume(chunk: Buffer): SplitLine[] {
    this.tail =
      chunk.length >= TAIL_BYTES
        ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
        : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    this.learnHead(chunk);
    return this.splitter.push(chunk);
  }

  /**
   * While the file is shorter than a full fingerprint, its identity grows with the bytes read
   * (after probe() found them still in place), never with whatever the file holds at a later
   * look: a copytruncate and a rewrite between a read and that look would otherwise become
   * "the same file", its truncation unseen and its rest, in the copy, never read.
   */
  private learnHead(chunk: Buffer): void {
    const start = this.offset - chunk.length;
    const have = this.head.length;
    if (have >= FINGERPRINT_BYTES || start > have || start + chunk.length <= have) return;
    this.head = Buffer.concat([
      this.head,
      chunk.subarray(have - start, Math.min(chunk.length, FINGERPRINT_BYTES - start)),
    ]);
    this.ident = identityOf({ dev: this.dev, ino: this.ino }, this.head);
  }

  /**
   * Starts reading at `offset`: with a fresh splitter (resuming from a checkpoint), or with
   * `carry`, the splitter another file's content was read with, when this file is the copy of
   * that content (its held partial line goes on here).
   */
  seek(offset: number, options: { midLine?: boolean; carry?: LineSplitter } = {}): void {
    this.offset = offset;
    this.splitter = options.carry ?? new LineSplitter(this.maxLineBytes, { startOffset: offset, keep: this.keep });
    if (options.midLine) this.splitter.skipToNextNewline();
  }

  /**
   * Where `start_at = "end"` begins: just past the last newline, so a line still being written
   * is read whole. With no newline in the last `maxLineBytes` + 1 bytes, that line is over-long
   * anyway: start at the end and skip to the next newline (`midLine`).
   */
  async endOfLastLine(maxLineBytes: number): Promise<{ offset: number; midLine: boolean }> {
    const window = Math.min(this.size, maxLineBytes + 1);
    const tail = Buffer.alloc(window);
    const { bytesRead } = await this.handle.read(tail, 0, window, this.size - window);
    const newline = tail.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) return { offset: this.size - window + newline + 1, midLine: false };
    return window === this.size ? { offset: 0, midLine: false } : { offset: this.size, midLine: true };
  }

  /**
   * The content was replaced in place: read it from the start with a new splitter and identity.
   * Returns what was read of the old content, for reading its rest from a copy.
   */
  async restartContent(): Promise<ReplacedContent> {
    const replaced: ReplacedContent = {
      identity: this.ident,
      resumeAt: this.splitter.offset + this.splitter.pendingBytes,
      tail: this.tail,
      splitter: this.splitter,
    };
    this.offset = 0;
    this.tail = Buffer.alloc(0);
    this.splitter = new LineSplitter(this.maxLineBytes, { keep: this.keep });
    this.head = await readHead(this.handle);
    this.ident = identityOf({ dev: this.dev, ino: this.ino }, this.head);
    this.size = (await this.handle.stat()).size;
    return replaced;
  }

  async read(scratch: Buffer): Promise<Buffer> {
    const { bytesRead } = await this.handle.read(scratch, 0, scratch.length, this.offset);
    this.offset += bytesRead;
    if (this.offset > this.size) this.size = this.offset;
    return scratch.subarray(0, bytesRead);
  }

  /**
   * Looks for truncation: a size below what was read, or first bytes that changed (a file
   * truncated and written again past our offset between two looks). Done after each read, so
   * bytes read from content that was already replaced are never delivered. A file not read
   * from yet (queued behind rotated ones) learns its first bytes here, so that a copytruncate
   * before it is read is noticed; once reading has begun, only consume() extends them.
   */
  async probe(): Promise<ProbeResult> {
    const st = await this.handle.stat();
    this.size = st.size;
    if (st.size < this.offset) return 'truncated';
    const unread = this.offset === 0;
    const want = unread ? Math.min(FINGERPRINT_BYTES, Math.max(this.head.length, st.size)) : this.head.length;
    const head = await readHead(this.handle, want);
    if (!head.subarray(0, this.head.length).equals(this.head)) return 'truncated';
    if (unread && head.length > this.head.length) {
      this.head = head;
      this.ident = identityOf({ dev: this.dev, ino: this.ino }, head);
    }
    return 'unchanged';
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** A compressed rotated file (`auth.log.2.gz`): finished, read once through zlib from `startOffset`. */
export class GzipFile implements FollowedFile {
  private readonly splitter: LineSplitter;
  private offset: number;
  private readonly skipTo: number;
  private iterator: AsyncIterator<Buffer> | null = null;
  private stream: ReturnType<typeof createGunzip> | null = null;
  private ended = false;

  constructor(
    readonly label: string,
    readonly identity: FileIdentity,
    /** Uncompressed size from the gzip trailer (modulo 4 GiB). */
    readonly knownSize: number,
    startOffset: number,
    maxLineBytes: number,
    keep?: readonly string[],
    /** As PlainFile.seek's `carry`: the splitter of the content this archive holds the rest of. */
    carry?: LineSplitter,
  ) {
    this.skipTo = startOffset;
    this.offset = 0;
    this.splitter = carry ?? new LineSplitter(maxLineBytes, { startOffset, keep });
  }

  get readOffset(): number {
    return Math.max(this.offset, this.skipTo);
  }

  get lineEnd(): number {
    return this.splitter.offset;
  }

  get linesSeen(): number {
    return this.splitter.lineCount;
  }

  flushPartial(): SplitLine | null {
    return this.splitter.flushPartial();
  }

  consume(chunk: Buffer): SplitLine[] {
    return this.splitter.push(chunk);
  }

  async read(): Promise<Buffer> {
    if (this.ended) return Buffer.alloc(0);
    if (this.iterator === null) {
      const gunzip = createGunzip();
      this.stream = gunzip;
      this.iterator = createReadStream(this.label).pipe(gunzip)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    }
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return Buffer.alloc(0);
      }
      const chunk = next.value;
      const start = this.offset;
      this.offset += chunk.length;
      if (this.offset <= this.skipTo) continue;
      return start >= this.skipTo ? chunk : chunk.subarray(this.skipTo - start);
    }
  }

  close(): Promise<void> {
    this.stream?.destroy();
    return Promise.resolve();
  }
}

/** Reads the first `length` uncompressed bytes of a gzip file; fewer if it is shorter or damaged. */
export async function readGzipHead(path: string, length = FINGERPRINT_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let have = 0;
  const source = createReadStream(path);
  const gunzip = createGunzip();
  try {
    for await (const chunk of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= length) break;
    }
  } catch {
    // A damaged or still-being-written archive: what was decompressed is all there is.
  } finally {
    gunzip.destroy();
    source.destroy();
  }
  return Buffer.concat(chunks).subarray(0, length);
}

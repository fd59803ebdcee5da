import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Clock, Logger, SourcePosition } from '../types.js';
import { realScheduler } from '../time/scheduler.js';
import { decodeCheckpoints, encodeCheckpoints } from './checkpoint-format.js';

/** The state directory cannot be used: nothing can be committed, so the daemon should not run. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The checkpoint file was written by a newer wrapwatch: refuse rather than overwrite it. */
export class CheckpointVersionError extends Error {
  override readonly name = 'CheckpointVersionError';
  constructor(
    readonly file: string,
    readonly version: number,
  ) {
    super(
      `${file} has checkpoint format version ${version}, newer than this wrapwatch understands (1); upgrade wrapwatch or move the file away`,
    );
  }
}

export interface CheckpointStoreOptions {
  /** `state.directory`. */
  readonly directory: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly fileName?: string;
  /**
   * Read the checkpoints but change nothing on disk (`run --dry-run`): no directory is
   * created, no leftover is promoted or moved aside, and commits are kept in memory only.
   */
  readonly readOnly?: boolean;
}

const code = (err: unknown): string => (err as NodeJS.ErrnoException | null)?.code ?? String(err);

/**
 * How far each source was delivered, kept in one small JSON file in `state.directory`.
 *
 * Writes are atomic: the whole file goes to `NAME.tmp`, is fsynced, renamed over `NAME`, and
 * the directory is fsynced so the rename itself survives a power cut. Reading trusts:
 * - a `.tmp` that parses and validates completely: it is newer than `NAME` (it exists only
 *   between writing and renaming) and every position in it had been delivered when commit()
 *   was called, so using it loses nothing and repeats less. It is renamed into place.
 * - otherwise `NAME`; an incomplete `.tmp` (crash mid-write) is deleted.
 * A corrupt `NAME` (and no usable `.tmp`) is moved aside to `NAME.corrupt-TIME`, logged as an
 * error, and reading starts without checkpoints (each source's `start_at` applies). A file of
 * a newer format version throws CheckpointVersionError; an unusable directory, CheckpointError.
 */
export class CheckpointStore {
  readonly file: string;
  private readonly temp: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly directory: string;
  private readonly readOnly: boolean;
  private state = new Map<string, SourcePosition>();
  /** True when load() found the checkpoint file unusable: positions were lost, not absent. */
  private corrupt = false;
  private written = '';
  private writing: Promise<void> = Promise.resolve();

  constructor(options: CheckpointStoreOptions) {
    this.directory = options.directory;
    this.file = join(options.directory, options.fileName ?? 'checkpoints.json');
    this.temp = `${this.file}.tmp`;
    this.logger = options.logger;
    this.clock = options.clock ?? realScheduler;
    this.readOnly = options.readOnly ?? false;
  }

  /** The positions to resume from, by source id (a file path, or "journal"). */
  async load(): Promise<ReadonlyMap<string, SourcePosition>> {
    if (!this.readOnly) {
      await ensureDirectory(resolve(this.directory));
      await this.probeWritable();
    }
    const fromTemp = await this.readCandidate(this.temp);
    if (fromTemp !== null && fromTemp.ok) {
      if (this.readOnly) return this.adopt(fromTemp.sources);
      await this.promoteTemp();
      this.logger.warn(
        { file: this.file },
        `recovered the checkpoint written just before wrapwatch stopped (${this.temp})`,
      );
      return this.adopt(fromTemp.sources);
    }
    if (fromTemp !== null && !this.readOnly) {
      this.logger.warn(
        { file: this.temp, reason: fromTemp.reason },
        `discarding an incomplete checkpoint file left by a crash while writing (${fromTemp.reason})`,
      );
      await unlink(this.temp).catch(() => undefined);
    }
    const fromMain = await this.readCandidate(this.file);
    if (fromMain === null) return this.adopt(new Map());
    if (fromMain.ok) return this.adopt(fromMain.sources);
    this.corrupt = true;
    if (this.readOnly) {
      this.logger.warn(
        { file: this.file, reason: fromMain.reason },
        `the checkpoint file is unusable (${fromMain.reason}); reading every log from its beginning (duplicates rather than losses)`,
      );
      return this.adopt(new Map());
    }
    const aside = `${this.file}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside).catch(() => undefined);
    this.logger.error(
      { file: this.file, movedTo: aside, reason: fromMain.reason },
      `the checkpoint file is unusable (${fromMain.reason}); moved it to ${aside} and reading every log from its beginning: ` +
        'refusals already reported are reported again rather than skipping those written while wrapwatch was stopped',
    );
    return this.adopt(new Map());
  }

  /** Whether load() found the checkpoint file unusable (then no source may start at "end"). */
  foundCorrupt(): boolean {
    return this.corrupt;
  }

  /**
   * Records delivered positions (sources not named keep theirs) and writes them durably.
   * Nothing is written when nothing changed, so calling it every second costs nothing when idle.
   * Concurrent calls are written one after the other, the last state last.
   */
  commit(positions: Iterable<readonly [string, SourcePosition]>): Promise<void> {
    for (const [id, position] of positions) this.state.set(id, position);
    if (this.readOnly) return Promise.resolve();
    const snapshot = new Map(this.state);
    const next = this.writing.then(() => this.write(snapshot));
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async write(sources: ReadonlyMap<string, SourcePosition>): Promise<void> {
    const key = JSON.stringify([...sources]);
    if (key === this.written) return;
    const text = encodeCheckpoints(sources, new Date(this.clock.now()));
    try {
      const handle = await open(this.temp, 'w', 0o640);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(this.temp, this.file);
      await this.syncDirectory();
    } catch (err) {
      throw new CheckpointError(`cannot write the checkpoint file ${this.file}: ${code(err)}`);
    }
    this.written = key;
  }

  /**
   * An existing directory this process cannot write to would only fail at the first commit,
   * after lines were read and reported: find out now, so the daemon exits 73 at start.
   */
  private async probeWritable(): Promise<void> {
    const probe = join(this.directory, `.write-test-${process.pid}`);
    try {
      const handle = await open(probe, 'w', 0o600);
      await handle.close();
      await unlink(probe);
    } catch (err) {
      throw new CheckpointError(`the state directory ${this.directory} is not writable: ${code(err)}`);
    }
  }

  private async readCandidate(path: string): Promise<ReturnType<typeof decodeCheckpoints> | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (code(err) === 'ENOENT' || (this.readOnly && code(err) === 'EACCES')) return null;
      throw new CheckpointError(`cannot read the checkpoint file ${path}: ${code(err)}`);
    }
    const decoded = decodeCheckpoints(text);
    if (!decoded.ok && decoded.newerVersion !== undefined) throw new CheckpointVersionError(path, decoded.newerVersion);
    return decoded;
  }

  private async promoteTemp(): Promise<void> {
    try {
      await rename(this.temp, this.file);
      await this.syncDirectory();
    } catch (err) {
      throw new CheckpointError(`cannot move ${this.temp} into place: ${code(err)}`);
    }
  }

  private async syncDirectory(): Promise<void> {
    const dir = await open(this.directory, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private adopt(sources: Map<string, SourcePosition>): ReadonlyMap<string, SourcePosition> {
    this.state = sources;
    this.written = JSON.stringify([...sources]);
    return new Map(sources);
  }
}

/**
 * mkdir -p, one level at a time. Node's own `mkdir(dir, { recursive: true })` never returns for
 * a path under /proc (it retries ENOENT forever, burning a CPU and deaf to the stop request);
 * here each level is tried once, so an impossible path fails at once.
 */
async function ensureDirectory(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
    throw new CheckpointError(`the state directory ${dir} exists but is not a directory`);
  } catch (err) {
    if (err instanceof CheckpointError) throw err;
    if (code(err) !== 'ENOENT') throw new CheckpointError(`cannot use the state directory ${dir}: ${code(err)}`);
  }
  const parent = dirname(dir);
  if (parent !== dir) await ensureDirectory(parent);
  try {
    await mkdir(dir, { mode: 0o750 });
  } catch (err) {
    if (code(err) === 'EEXIST') return;
    throw new CheckpointError(`cannot create the state directory ${dir}: ${code(err)}`);
  }
}

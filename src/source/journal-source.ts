import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger, SourceLine, SourcePosition } from '../types.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';
import { offerUntilTaken } from './deliver-batch.js';
import { describeSender, mapEntry } from './journal-entry.js';
import {
  SourceAlreadyStartedError,
  StatsCounter,
  type LineHandler,
  type LineSource,
  type NextSeq,
  type SourceStats,
} from './line-source.js';

export interface JournalSourceOptions {
  /** The journalctl program (`source.journal.journalctl`). */
  readonly journalctl: string;
  /** `--file` arguments instead of the system journal. */
  readonly files: readonly string[];
  /** `--directory` instead of the system journal. */
  readonly directory?: string;
  readonly startAt: 'end' | 'beginning';
  readonly maxLineBytes: number;
  readonly rejectForged: boolean;
  readonly resumeFrom?: SourcePosition | null;
  readonly onLines: LineHandler;
  readonly nextSeq: NextSeq;
  readonly logger: Logger;
  /** Clock and timers (restart backoff, kill deadline); the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** Restart backoff: doubles from min to max; a run longer than max resets it. */
  readonly restartMinMs?: number;
  readonly restartMaxMs?: number;
}

export const JOURNAL_SOURCE_ID = 'journal';

/** Fields read from each entry; journalctl adds __CURSOR and the timestamps itself. */
const FIELDS = [
  'MESSAGE',
  'SYSLOG_IDENTIFIER',
  'SYSLOG_PID',
  'SYSLOG_TIMESTAMP',
  '_PID',
  '_UID',
  '_COMM',
  '_EXE',
  '_HOSTNAME',
];
/** Forged entries logged one by one before they are only counted. */
const FORGERIES_LOGGED = 10;

/**
 * Follows the journal through `journalctl -f -o json` (no native bindings needed) and resumes
 * with `--after-cursor` from the checkpointed `__CURSOR`. If journalctl exits, it is started
 * again after a backoff, after the last cursor this source handed out.
 */
export class JournalSource implements LineSource {
  readonly id = JOURNAL_SOURCE_ID;
  private readonly options: JournalSourceOptions;
  private readonly logger: Logger;
  private readonly scheduler: Scheduler;
  private readonly counters = new StatsCounter();
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private cursor: string | null;
  private since: number | null = null;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private overlong = false;
  private delivering: Promise<void> = Promise.resolve();
  private started = false;
  private stopping = false;
  private failures = 0;
  private restartTimer: Timer | null = null;
  private forgeriesLogged = 0;
  private readonly defectsWarned = new Set<string>();

  constructor(options: JournalSourceOptions) {
    this.options = options;
    this.logger = options.logger;
    this.scheduler = options.scheduler ?? realScheduler;
    const resume = options.resumeFrom;
    if (resume && resume.kind !== 'journal') {
      this.logger.warn(
        { source: this.id, checkpoint: resume },
        'the journal checkpoint is not a journal cursor; ignoring it',
      );
    }
    this.cursor = resume?.kind === 'journal' ? resume.cursor : null;
  }

  start(): Promise<void> {
    if (this.started) return Promise.reject(new SourceAlreadyStartedError(this.id));
    this.started = true;
    this.launch();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.restartTimer?.cancel();
    this.restartTimer = null;
    const child = this.child;
    if (child !== null) {
      // Output still in the pipe is not wanted; a paused stdout would keep 'close' from firing.
      child.stdout?.destroy();
      child.kill('SIGTERM');
      const killer = this.scheduler.timeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      killer.cancel();
    }
  }

  stats(): SourceStats {
    return this.counters.snapshot();
  }

  bytesBehind(): number {
    return 0;
  }

  /** The last cursor handed out (or resumed from): where a restart would continue. */
  position(): SourcePosition | null {
    return this.cursor === null ? null : { kind: 'journal', cursor: this.cursor };
  }

  /** The running journalctl's pid (for logs and tests). */
  get childPid(): number | null {
    return this.child?.pid ?? null;
  }

  private args(): string[] {
    const args = ['--follow', '--output=json', '--all', '--no-pager', `--output-fields=${FIELDS.join(',')}`];
    for (const file of this.options.files) args.push(`--file=${file}`);
    if (this.options.directory !== undefined) args.push(`--directory=${this.options.directory}`);
    if (this.cursor !== null) args.push(`--after-cursor=${this.cursor}`);
    else if (this.options.startAt === 'beginning') args.push('--no-tail');
    // "end", restarted before the first entry: from when following began, not from "now" again.
    else if (this.since !== null) args.push(`--since=@${Math.floor(this.since / 1000)}`, '--no-tail');
    else args.push('--lines=0');
    return args;
  }

  private launch(): void {
    if (this.stopping) return;
    const args = this.args();
    const startedAt = this.scheduler.now();
    this.since ??= startedAt;
    this.buffered = [];
    this.bufferedBytes = 0;
    this.overlong = false;
    const stderr: string[] = [];
    // An argv array, never a shell: file names from the config are passed as they are.
    const child = spawn(this.options.journalctl, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', LC_ALL: 'C.UTF-8' },
    });
    this.child = child;
    this.logger.info({ source: this.id, pid: child.pid, args }, 'following the journal');
    child.stdout.on('data', (chunk: Buffer) => {
      child.stdout.pause();
      this.delivering = this.delivering
        .then(() => this.onData(chunk))
        .catch((err: unknown) => {
          this.logger.error({ source: this.id, err }, 'unexpected error while reading journalctl output');
        })
        .finally(() => {
          if (!this.stopping) child.stdout.resume();
        });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') stderr.push(line.trim());
      if (stderr.length > 20) stderr.splice(0, stderr.length - 20);
    });
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (description: string) => {
        if (done) return;
        done = true;
        if (this.stopping) {
          this.child = null;
          resolve();
          return;
        }
        // Entries already read are delivered before the restart resumes after their cursor.
        void this.delivering.then(() => {
          this.onExit(description, stderr, this.scheduler.now() - startedAt);
          resolve();
        });
      };
      child.on('error', (err: NodeJS.ErrnoException) => {
        finish(`could not be started (${err.code ?? err.message})`);
      });
      child.on('close', (code, signal) => {
        finish(signal !== null ? `was killed by ${signal}` : `exited with status ${code}`);
      });
    });
  }

  private onExit(description: string, stderr: readonly string[], ranMs: number): void {
    this.child = null;
    if (this.stopping) return;
    const max = this.options.restartMaxMs ?? 60_000;
    const min = this.options.restartMinMs ?? 1000;
    if (ranMs > max) this.failures = 0;
    if (this.cursor !== null && stderr.some((line) => /cursor/i.test(line))) {
      this.logger.error(
        { source: this.id, cursor: this.cursor, stderr },
        `journalctl rejected the checkpointed cursor (${stderr.join('; ')}); following from source.start_at = "${this.options.startAt}" instead`,
      );
      this.cursor = null;
      this.since = null;
    }
    const delay = Math.min(max, min * 2 ** this.failures);
    this.failures++;
    this.counters.restarts++;
    this.logger.warn(
      { source: this.id, stderr, restartInMs: delay },
      `journalctl ${description}${stderr.length > 0 ? `: ${stderr[stderr.length - 1]}` : ''}; starting it again in ${delay / 1000} s`,
    );
    this.restartTimer = this.scheduler.timeout(() => {
      this.restartTimer = null;
      this.launch();
    }, delay);
  }

  /** Splits journalctl's output into entries and delivers those of this chunk as one batch. */
  private async onData(chunk: Buffer): Promise<void> {
    this.counters.bytes += chunk.length;
    const entries: string[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      const piece = chunk.subarray(start, newline);
      if (!this.overlong) entries.push(Buffer.concat([...this.buffered, piece]).toString('utf8'));
      else this.noteOverlong();
      this.buffered = [];
      this.bufferedBytes = 0;
      this.overlong = false;
      start = newline + 1;
    }
    if (start < chunk.length && !this.overlong) {
      this.buffered.push(chunk.subarray(start));
      this.bufferedBytes += chunk.length - start;
      // JSON escaping can make a message up to 6x longer; past that, stop holding the entry.
      if (this.bufferedBytes > this.options.maxLineBytes * 6 + 65_536) {
        this.overlong = true;
        this.buffered = [];
        this.bufferedBytes = 0;
      }
    }
    const batch: SourceLine[] = [];
    for (const text of entries) {
      const line = this.toSourceLine(text);
      if (line !== null) batch.push(line);
    }
    if (batch.length > 0) await this.deliver(batch);
  }

  private noteOverlong(): void {
    // Its cursor is inside the part not kept: it cannot be delivered, only counted.
    this.counters.lines++;
    this.counters.skip('too-long');
    this.logger.warn(
      { source: this.id },
      'skipped a journal entry too large to hold; the next entry carries the position on',
    );
  }

  private toSourceLine(text: string): SourceLine | null {
    let fields: unknown;
    try {
      fields = JSON.parse(text);
    } catch {
      this.logger.warn(
        { source: this.id, text: text.slice(0, 200) },
        'journalctl printed a line that is not JSON; ignoring it',
      );
      return null;
    }
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return null;
    const record = fields as Record<string, unknown>;
    const mapped = mapEntry(record, {
      maxLineBytes: this.options.maxLineBytes,
      rejectForged: this.options.rejectForged,
      now: this.scheduler.now(),
    });
    if (mapped === null) return null;
    this.counters.lines++;
    const position: SourcePosition = { kind: 'journal', cursor: mapped.cursor };
    const seq = this.options.nextSeq();
    if (mapped.defect === null && mapped.record !== null) {
      return { sourceId: this.id, seq, text: mapped.record.message, position, journal: mapped.record };
    }
    const defect = mapped.defect ?? 'binary';
    this.counters.skip(defect);
    if (defect === 'forged') {
      const sender = describeSender(record);
      const fields = { source: this.id, cursor: mapped.cursor, ...sender };
      if (this.forgeriesLogged < FORGERIES_LOGGED) {
        this.forgeriesLogged++;
        this.logger.warn(
          fields,
          `dropped a forged journal entry: it claims to be ${sender.identifier ?? '?'} but was sent by ${sender.exe ?? sender.comm ?? '?'}${this.forgeriesLogged === FORGERIES_LOGGED ? ' (further forged entries are counted in the stats and logged at debug level)' : ''}`,
        );
      } else {
        this.logger.debug(fields, 'dropped a forged journal entry');
      }
    } else if (!this.defectsWarned.has(defect)) {
      this.defectsWarned.add(defect);
      this.logger.warn(
        { source: this.id, cursor: mapped.cursor, reason: defect },
        `skipped a ${defect} journal entry (further ones are counted in the stats and logged at debug level)`,
      );
    } else {
      this.logger.debug(
        { source: this.id, cursor: mapped.cursor, reason: defect },
        `skipped a ${defect} journal entry`,
      );
    }
    return { sourceId: this.id, seq, text: '', position, defect };
  }

  private async deliver(batch: readonly SourceLine[]): Promise<void> {
    const taken = await offerUntilTaken(batch, {
      source: this.id,
      onLines: this.options.onLines,
      logger: this.logger,
      stopping: () => this.stopping,
      pause: () => this.scheduler.sleep(this.options.restartMinMs ?? 1000),
      noun: 'entries',
    });
    const last = batch[batch.length - 1];
    if (taken && last?.position.kind === 'journal') this.cursor = last.position.cursor;
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config/load.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { SourceDeps } from '../../src/source/create-sources.js';
import type { LineSource, SourceStats } from '../../src/source/line-source.js';
import { CheckpointStore } from '../../src/state/checkpoint-store.js';
import { loadSinkTargetFactory } from '../../src/sink/create-transport.js';
import type { Alert, Logger, ResultSink, Seq, SinkStats, SourcePosition } from '../../src/types.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { config } from '../throttle/throttle-harness.js';

/** Fake time after the log lines' own timestamps, so the parser takes them as this year's. */
const START = Date.UTC(2026, 10, 21, 16);
const refused = (n: number) => `Nov 21 15:39:33 vm in.wraptest[11484]: refused connect from 10.0.0.${n} (10.0.0.${n})`;
const chatter = 'Nov 21 15:39:34 vm sshd[1]: Accepted publickey for admin from 10.9.9.9 port 22 ssh2';

interface LogEntry {
  readonly level: string;
  readonly obj: object;
  readonly msg: string | undefined;
}

function memoryLogger(): Logger & { entries: LogEntry[]; messages(level: string): string[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return {
    entries,
    messages: (level) => entries.filter((e) => e.level === level).map((e) => e.msg ?? ''),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
  };
}

/** A source the test feeds by hand; each `push` is one batch, as one read of a file would be. */
class MemorySource implements LineSource {
  readonly id: string;
  private offset = 0;
  stopped = false;

  constructor(
    path: string,
    private readonly deps: SourceDeps,
  ) {
    this.id = path;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  async push(texts: readonly string[]): Promise<void> {
    const lines = texts.map((text) => {
      this.offset += Buffer.byteLength(text) + 1;
      return { sourceId: this.id, seq: this.deps.nextSeq(), text, position: this.at(this.offset) };
    });
    await this.deps.onLines(lines);
  }

  at(offset: number): SourcePosition {
    return {
      kind: 'file',
      path: this.id,
      identity: { dev: 1, ino: 2, fingerprint: '', fingerprintBytes: 0 },
      offset,
    };
  }

  stats(): SourceStats {
    return { lines: 0, bytes: 0, skipped: {}, rotations: 0, truncations: 0, restarts: 0 };
  }

  bytesBehind(): number {
    return 0;
  }

  position(): SourcePosition | null {
    return null;
  }
}

/** A sink that holds what it is given until the test delivers it; `close` may be made to hang. */
class MemorySink implements ResultSink {
  readonly submits: Alert[][] = [];
  held: Alert[] = [];
  drainedWith: number | null = null;
  hangOnClose = false;
  retargeted = 0;

  submit(alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    this.submits.push([...alerts]);
    this.held.push(...alerts);
  }

  deliverAll(): void {
    this.held = [];
  }

  retarget(): void {
    this.retargeted++;
  }

  oldestPendingSeq(): Seq | null {
    let oldest: Seq | null = null;
    for (const a of this.held)
      if (a.oldestSeq !== null && (oldest === null || a.oldestSeq < oldest)) oldest = a.oldestSeq;
    return oldest;
  }

  drain(timeoutMs: number): Promise<boolean> {
    this.drainedWith = timeoutMs;
    return Promise.resolve(this.held.length === 0);
  }

  close(): Promise<void> {
    return this.hangOnClose ? new Promise<void>(() => undefined) : Promise.resolve();
  }

  stats(): SinkStats {
    return {
      receiver: 'up',
      pending: this.held.length,
      sent: 0,
      overflowed: 0,
      invalid: 0,
      failures: 0,
      failuresByReason: {},
      refused: 0,
    };
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrapwatch-daemon-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function daemonUnderTest(doc: Record<string, unknown> = {}) {
  const cfg = await config({
    source: { path: '/var/log/memory.log' },
    ...doc,
    state: { directory: dir, ...(doc.state as object | undefined) },
  });
  const scheduler = new FakeScheduler(START);
  const logger = memoryLogger();
  const sink = new MemorySink();
  const built: MemorySource[] = [];
  const daemon = new Daemon({
    config: cfg,
    logger,
    sink,
    sinkTarget: await loadSinkTargetFactory(cfg.output.type),
    scheduler,
    createSources: (c: Config, deps: SourceDeps) => {
      const source = new MemorySource(c.source.type === 'file' ? (c.source.paths[0] ?? 'none') : 'journal', deps);
      built.push(source);
      return [source];
    },
  });
  await daemon.start();
  const source = built[0];
  if (built.length !== 1 || source === undefined) throw new Error(`the daemon built ${built.length} sources, not 1`);
  return { daemon, scheduler, logger, sink, source, cfg };
}

/** What a restart would load: a fresh store on the same directory. */
async function committed(): Promise<number | null> {
  const store = new CheckpointStore({ directory: dir, logger: memoryLogger(), readOnly: true });
  const position = (await store.load()).get('/var/log/memory.log');
  return position?.kind === 'file' ? position.offset : null;
}

describe('Daemon batching', () => {
  it('parses a whole batch and hands its results to the sink in one submit; chatter is only counted', async () => {
    const { daemon, sink, source } = await daemonUnderTest();
    await source.push([refused(1), chatter, refused(2), refused(1)]);
    expect(sink.submits).toHaveLength(1);
    expect(sink.submits[0]?.map((a) => a.reason)).toEqual(['first', 'first']);
    expect(sink.submits[0]?.map((a) => a.oldestSeq)).toEqual([1, 3]);
    expect(daemon.stats()).toMatchObject({ refusals: 3 });
    await daemon.stop(0);
  });
});

describe('Daemon commit timer', () => {
  it('commits a batch position one commit interval later, not before, and only once its results are delivered', async () => {
    const { daemon, scheduler, sink, source } = await daemonUnderTest({
      state: { commit_interval_seconds: 5 },
      log: { stats_interval_seconds: 0 },
    });
    await source.push([chatter, chatter]);
    const afterChatter = 2 * (Buffer.byteLength(chatter) + 1);
    // The only timer is the commit, due one interval after the batch.
    expect(scheduler.pendingCount).toBe(1);
    expect(scheduler.nextDelay()).toBe(5_000);
    await scheduler.advance(4_999);
    expect(await committed()).toBeNull();
    await scheduler.advance(1);
    await vi.waitFor(async () => {
      expect(await committed()).toBe(afterChatter);
    });

    // A refusal the sink still holds keeps its line (and every later one) uncommitted.
    await source.push([refused(7), chatter]);
    await scheduler.advance(5_000);
    await scheduler.advance(5_000);
    expect(await committed()).toBe(afterChatter);
    sink.deliverAll();
    await scheduler.advance(5_000);
    await vi.waitFor(async () => {
      expect(await committed()).toBeGreaterThan(afterChatter);
    });
    await daemon.stop(0);
  });

  it('an idle daemon keeps no commit timer', async () => {
    const { daemon, scheduler, source } = await daemonUnderTest({
      state: { commit_interval_seconds: 5 },
      log: { stats_interval_seconds: 0 },
    });
    expect(scheduler.pendingCount).toBe(0);
    await source.push([chatter]);
    expect(scheduler.pendingCount).toBe(1);
    await scheduler.advance(5_000);
    await vi.waitFor(async () => {
      expect(await committed()).not.toBeNull();
    });
    await scheduler.advance(0);
    expect(scheduler.pendingCount).toBe(0);
    await daemon.stop(0);
  });
});

describe('Daemon throttle tick', () => {
  it('sends the follow-up when the window closes, on the timer, without another line', async () => {
    const { daemon, scheduler, sink, source } = await daemonUnderTest({ log: { stats_interval_seconds: 0 } });
    await source.push([refused(1), refused(1), refused(1)]);
    expect(sink.submits.flat().map((a) => a.reason)).toEqual(['first']);
    const due = scheduler.nextDelay();
    expect(due).not.toBeNull();
    await scheduler.advance(59_000);
    expect(sink.submits.flat().map((a) => a.reason)).toEqual(['first']);
    await scheduler.advance(1_000);
    expect(sink.submits.flat().map((a) => a.reason)).toEqual(['first', 'follow-up']);
    expect(sink.submits.flat()[1]).toMatchObject({ refusals: 2 });
    await daemon.stop(0);
  });
});

describe('Daemon stats timer', () => {
  it('logs stats every stats_interval_seconds, and follows a reload that changes it', async () => {
    const { daemon, scheduler, logger, cfg } = await daemonUnderTest({ log: { stats_interval_seconds: 10 } });
    const statsLines = () => logger.messages('info').filter((m) => m === 'stats').length;
    await scheduler.advance(9_999);
    expect(statsLines()).toBe(0);
    await scheduler.advance(1);
    expect(statsLines()).toBe(1);
    await scheduler.advance(10_000);
    expect(statsLines()).toBe(2);

    const quieter = await config({ ...sameSourceAndState(cfg), log: { stats_interval_seconds: 60 } });
    expect(daemon.reconfigure(quieter)).toEqual([]);
    await scheduler.advance(59_000);
    expect(statsLines()).toBe(2);
    await scheduler.advance(1_000);
    expect(statsLines()).toBe(3);
    await daemon.stop(0);
    await scheduler.advance(600_000);
    expect(statsLines()).toBe(3);
  });
});

describe('Daemon reload', () => {
  it('retargets the sink when the receiver changes, and names the sections that need a restart', async () => {
    const { daemon, sink, cfg } = await daemonUnderTest({ log: { stats_interval_seconds: 0 } });
    const sameSourceNewReceiver = await config({
      ...sameSourceAndState(cfg),
      nsca: { host: '127.0.0.2', port: 5667 },
    });
    expect(daemon.reconfigure(sameSourceNewReceiver)).toEqual([]);
    expect(sink.retargeted).toBe(1);
    const otherPaths = await config({
      ...sameSourceAndState(cfg),
      source: { path: '/var/log/other.log' },
      state: { directory: join(dir, 'elsewhere') },
    });
    expect(daemon.reconfigure(otherPaths)).toEqual(['source', 'state']);
    await daemon.stop(0);
  });
});

describe('Daemon stop', () => {
  it('flushes what the throttle folds, drains within drainMs, and abandons a close that outlasts closeMs', async () => {
    const { daemon, scheduler, sink, source, logger } = await daemonUnderTest({ log: { stats_interval_seconds: 0 } });
    await source.push([refused(1), refused(1)]);
    sink.hangOnClose = true;
    let stopped: boolean | null = null;
    void daemon.stop(3_000, 2_000).then((drained) => (stopped = drained));
    await vi.waitFor(() => {
      expect(sink.drainedWith).toBe(3_000);
    });
    expect(source.stopped).toBe(true);
    expect(sink.submits.flat().map((a) => a.reason)).toEqual(['first', 'follow-up']);
    await scheduler.advance(1_999);
    expect(stopped).toBeNull();
    await scheduler.advance(1);
    await vi.waitFor(() => {
      expect(stopped).toBe(false);
    });
    expect(logger.messages('warn').some((m) => m.includes('still in flight at the stop deadline'))).toBe(true);
    expect(logger.messages('info').some((m) => m.includes('results undelivered'))).toBe(true);
  });
});

/** The parts of a loaded config that `config()` takes back, to build a reload that differs in one section. */
function sameSourceAndState(cfg: Config): Record<string, unknown> {
  return { source: { path: cfg.source.type === 'file' ? [...cfg.source.paths] : [] }, state: { directory: dir } };
}

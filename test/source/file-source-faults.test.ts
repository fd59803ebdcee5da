import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../src/config/load.js';
import { createSources } from '../../src/source/create-sources.js';
import { createSeqCounter, type LineSource } from '../../src/source/line-source.js';
import type { SourceLine } from '../../src/types.js';
import { fileSourceUnderTest, inodeOf, seenLines } from '../helpers/follow-file.js';
import { captureLogger, collector, sleep, tempDir, waitFor } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
const running: LineSource[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-faults-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await cleanup();
});

describe('FileSource with lines it cannot use', () => {
  it('skips over-long, binary and invalid UTF-8 lines, counts them, and still advances the position past them', async () => {
    const path = join(dir, 'auth.log');
    const long = 'x'.repeat(5000);
    writeFileSync(
      path,
      Buffer.concat([
        Buffer.from(`ok1\n${long}\nnul\u0000here\n`),
        Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a]),
        Buffer.from('ok2\n'),
      ]),
    );
    const { source, sink, logger } = fileSourceUnderTest(path, {}, running);
    await source.start();
    await waitFor(() => sink.lines.length === 5, 'five lines');
    const ino = inodeOf(path);
    expect(seenLines(sink)).toEqual([
      ['ok1', 4, ino],
      ['<too-long>', 5005, ino],
      ['<binary>', 5014, ino],
      ['<invalid-utf8>', 5019, ino],
      ['ok2', 5023, ino],
    ]);
    expect(
      sink.lines.filter((l) => l.defect !== undefined).every((l) => l.text === '' && l.journal === undefined),
    ).toBe(true);
    expect(source.stats().skipped).toEqual({ 'too-long': 1, binary: 1, 'invalid-utf8': 1 });
    expect(logger.messages('warn').filter((m) => m.startsWith('skipped a'))).toHaveLength(3);
  });

  it('skips an over-long line that arrives in many small writes without holding it', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, '');
    const { source, sink } = fileSourceUnderTest(path, { chunkBytes: 512 }, running);
    await source.start();
    for (let i = 0; i < 20; i++) {
      appendFileSync(path, 'y'.repeat(300));
      await sleep(5);
    }
    await waitFor(() => source.bytesBehind() === 6000, 'the partial bytes to be read');
    appendFileSync(path, '\nafter\n');
    await waitFor(() => sink.lines.length === 2, 'the skipped line and the next');
    expect(seenLines(sink).map(([t, o]) => [t, o])).toEqual([
      ['<too-long>', 6001],
      ['after', 6007],
    ]);
  });
});

describe('FileSource when the path stops being a readable file', () => {
  it('survives the file being replaced by a directory, warns once, and recovers when a file is back', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\n');
    const { source, sink, logger } = fileSourceUnderTest(path, { rotationGraceMs: 50 }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'one');
    unlinkSync(path);
    mkdirSync(path);
    await waitFor(() => logger.messages('warn').some((m) => m.includes('not a regular file')), 'the warning');
    await sleep(200);
    expect(logger.messages('warn').filter((m) => m.includes('not a regular file'))).toHaveLength(1);
    rmdirSync(path);
    writeFileSync(path, 'two\n');
    await waitFor(() => sink.lines.length === 2, 'two');
    expect(sink.texts()).toEqual(['one', 'two']);
  });

  it('does not hang on a FIFO put in the log\u2019s place (a plain open would block), and recovers', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\n');
    const { source, sink, logger } = fileSourceUnderTest(path, { rotationGraceMs: 50 }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'one');
    unlinkSync(path);
    execFileSync('mkfifo', [path]);
    await waitFor(() => logger.messages('warn').some((m) => m.includes('not a regular file')), 'the warning');
    unlinkSync(path);
    writeFileSync(path, 'two\n');
    await waitFor(() => sink.lines.length === 2, 'two');
    expect(sink.texts()).toEqual(['one', 'two']);
  });

  it('reports a path it cannot open (a symlink loop: root is not stopped by chmod 000) and recovers', async () => {
    const path = join(dir, 'auth.log');
    symlinkSync(path, path);
    const { source, sink, logger } = fileSourceUnderTest(path, {}, running);
    await source.start();
    await waitFor(
      () => logger.messages('warn').some((m) => m.includes('cannot be opened') && m.includes('ELOOP')),
      'the warning',
    );
    unlinkSync(path);
    writeFileSync(path, 'readable\n');
    await waitFor(() => sink.lines.length === 1, 'the line');
    expect(sink.texts()).toEqual(['readable']);
  });

  it('re-reads from 0 a file that shrinks to zero and grows again', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\ntwo\n');
    const { source, sink } = fileSourceUnderTest(path, {}, running);
    await source.start();
    await waitFor(() => sink.lines.length === 2, 'two lines');
    writeFileSync(path, '');
    await waitFor(() => source.stats().truncations === 1, 'the truncation');
    appendFileSync(path, 'three\n');
    await waitFor(() => sink.lines.length === 3, 'three');
    expect(seenLines(sink).map(([t, o]) => [t, o])).toEqual([
      ['one', 4],
      ['two', 8],
      ['three', 6],
    ]);
  });
});

describe('FileSource and its handler', () => {
  it('reads nothing more while the handler has not finished with a batch (backpressure)', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'line of forty bytes of text.............\n'.repeat(1000));
    const { source, sink } = fileSourceUnderTest(path, { chunkBytes: 4096 }, running);
    sink.hold();
    await source.start();
    await sleep(300);
    expect(sink.lines).toHaveLength(0);
    expect(source.stats().bytes).toBe(4096);
    expect(source.bytesBehind()).toBe(41_000);
    sink.release();
    await waitFor(() => sink.lines.length === 1000, 'all lines');
    expect(source.bytesBehind()).toBe(0);
  });

  it('opens files that replace the log while held back, and delivers them all in order afterwards', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\n');
    const { source, sink } = fileSourceUnderTest(path, { rotationGraceMs: 100 }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'a1');
    sink.hold();
    appendFileSync(path, 'a2\n');
    await sleep(100);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\n');
    await waitFor(() => source.stats().rotations === 1, 'the first rotation to be noticed while held');
    // A second rotation: the file noticed above is renamed on, and .1 shifts to .2.
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'c1\n');
    await waitFor(() => source.stats().rotations === 2, 'the second rotation to be noticed while held');
    sink.release();
    await waitFor(() => sink.lines.length === 4, 'every line');
    expect(sink.texts()).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('offers the same batch (same sequence numbers) again when the handler fails', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a\nb\n');
    const seen: SourceLine[][] = [];
    let failures = 1;
    const { source, logger } = fileSourceUnderTest(
      path,
      {
        onLines: async (batch) => {
          seen.push([...batch]);
          if (failures-- > 0) throw new Error('sink full');
        },
      },
      running,
    );
    await source.start();
    await waitFor(() => seen.length === 2, 'the retry');
    expect(seen[1]?.map((l) => [l.seq, l.text])).toEqual(seen[0]?.map((l) => [l.seq, l.text]));
    expect(logger.messages('error').some((m) => m.includes('handler failed'))).toBe(true);
  });

  it('keeps following when its directory is deleted and made again (the watcher on the old one is dead)', async () => {
    const logDir = join(dir, 'log');
    mkdirSync(logDir);
    const path = join(logDir, 'auth.log');
    writeFileSync(path, 'a\n');
    const { source, sink } = fileSourceUnderTest(path, { rotationGraceMs: 50, pollIntervalMs: 100 }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'a');
    rmSync(logDir, { recursive: true });
    await sleep(250);
    mkdirSync(logDir);
    writeFileSync(path, 'b\n');
    await waitFor(() => sink.lines.length === 2, 'b');
    appendFileSync(path, 'c\n');
    await waitFor(() => sink.lines.length === 3, 'c');
    expect(sink.texts()).toEqual(['a', 'b', 'c']);
  });

  it('follows appends and rotations by polling alone when there is no watcher', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a\n');
    const { source, sink } = fileSourceUnderTest(
      path,
      { watch: false, pollIntervalMs: 60, rotationGraceMs: 0 },
      running,
    );
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'a');
    appendFileSync(path, 'b\n');
    await waitFor(() => sink.lines.length === 2, 'b');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'c\n');
    await waitFor(() => sink.lines.length === 3, 'c');
    expect(sink.texts()).toEqual(['a', 'b', 'c']);
  });
});

describe('createSources', () => {
  it('makes one file source per path, each resuming from its own checkpoint, sharing one sequence', async () => {
    const a = join(dir, 'auth.log');
    const b = join(dir, 'syslog');
    writeFileSync(a, 'a1\na2\n');
    writeFileSync(b, 'b1\n');
    const config = await configFromObject(
      { source: { path: [a, b], start_at: 'beginning', poll_interval_ms: 50 } },
      'test.toml',
      { hostname: 'h' },
    );
    const sink = collector();
    const first = createSources(config, {
      logger: captureLogger(),
      nextSeq: createSeqCounter(),
      checkpoints: new Map(),
      onLines: sink.handler,
    });
    running.push(...first);
    expect(first.map((s) => s.id)).toEqual([a, b]);
    await Promise.all(first.map((s) => s.start()));
    await waitFor(() => sink.lines.length === 3, 'three lines');
    const seqs = sink.lines.map((l) => l.seq).sort((x, y) => x - y);
    expect(seqs).toEqual([1, 2, 3]);
    const afterA1 = sink.lines.find((l) => l.text === 'a1')?.position;
    await Promise.all(first.map((s) => s.stop()));

    const again = collector();
    const second = createSources(config, {
      logger: captureLogger(),
      nextSeq: createSeqCounter(100),
      checkpoints: new Map(afterA1 ? [[a, afterA1]] : []),
      onLines: again.handler,
    });
    running.push(...second);
    await Promise.all(second.map((s) => s.start()));
    await waitFor(() => again.lines.length === 2, 'a2 and b1');
    expect(again.lines.map((l) => [l.sourceId, l.text]).sort()).toEqual([
      [a, 'a2'],
      [b, 'b1'],
    ]);
  });

  it('makes the journal source for type = "journal"', async () => {
    const config = await configFromObject(
      { source: { type: 'journal', journal: { files: [join(dir, 'x.journal')] } } },
      'test.toml',
      { hostname: 'h' },
    );
    const sources = createSources(config, {
      logger: captureLogger(),
      nextSeq: createSeqCounter(),
      checkpoints: new Map(),
      onLines: async () => {},
    });
    expect(sources.map((s) => s.id)).toEqual(['journal']);
  });
});

import {
  appendFileSync,
  closeSync,
  copyFileSync,
  openSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSource, FileSourceOptions } from '../../src/source/file-source.js';
import { fileSourceUnderTest, inodeOf, seenLines } from '../helpers/follow-file.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { sleep, tempDir, waitFor } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
const running: FileSource[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await cleanup();
});

const follow = (path: string, options: Partial<FileSourceOptions> = {}) => fileSourceUnderTest(path, options, running);
const seen = seenLines;
const ino = inodeOf;

describe('FileSource on a plain growing file', () => {
  it('delivers each complete line with the offset just past its newline, holding a partial line until its newline', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\ntwo\nthr');
    const { source, sink } = follow(path);
    await source.start();
    await waitFor(() => sink.lines.length === 2, 'two lines');
    appendFileSync(path, 'ee\n');
    await waitFor(() => sink.lines.length === 3, 'the completed third line');
    const i = ino(path);
    expect(seen(sink)).toEqual([
      ['one', 4, i],
      ['two', 8, i],
      ['three', 14, i],
    ]);
    expect(sink.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(source.bytesBehind()).toBe(0);
    expect(source.stats()).toMatchObject({ lines: 3, bytes: 14, rotations: 0, truncations: 0 });
  });

  it('start_at = "end" skips what is there but reads a last line that is still being written', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'old1\nold2\nhalf');
    const { source, sink } = follow(path, { startAt: 'end' });
    await source.start();
    appendFileSync(path, '-done\nnew\n');
    await waitFor(() => sink.lines.length === 2, 'the two new lines');
    expect(seen(sink).map(([t, o]) => [t, o])).toEqual([
      ['half-done', 20],
      ['new', 24],
    ]);
  });

  it('resumes from a checkpointed position in the same file', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a\nb\nc\n');
    const first = follow(path);
    await first.source.start();
    await waitFor(() => first.sink.lines.length === 3, 'three lines');
    const checkpoint = first.sink.lines[1]?.position ?? null;
    await first.source.stop();
    appendFileSync(path, 'd\n');
    const second = follow(path, { resumeFrom: checkpoint });
    await second.source.start();
    await waitFor(() => second.sink.lines.length === 2, 'c and d again');
    expect(second.sink.texts()).toEqual(['c', 'd']);
  });
});

describe('FileSource across rename + create (logrotate default)', () => {
  it('reads late writes to the renamed file before the new file, then the new file from byte 0', async () => {
    const path = join(dir, 'secure');
    writeFileSync(path, 'old-1\n');
    const { source, sink, logger } = follow(path, { rotationGraceMs: 400 });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the first line');

    // rsyslog still holds the old file open until logrotate's HUP reaches it.
    const writer = openSync(path, 'a');
    const oldIno = ino(path);
    renameSync(path, `${path}-20261121`);
    writeFileSync(path, 'new-1\n');
    const newIno = ino(path);
    writeSync(writer, 'old-2 (late)\n');
    appendFileSync(path, 'new-2\n');
    writeSync(writer, 'old-3 (late, partial');
    closeSync(writer);

    await waitFor(() => sink.lines.length === 5, 'all five lines');
    expect(seen(sink)).toEqual([
      ['old-1', 6, oldIno],
      ['old-2 (late)', 19, oldIno],
      // The partial line is flushed when the grace period ends, before the new file is read.
      ['old-3 (late, partial', 39, oldIno],
      ['new-1', 6, newIno],
      ['new-2', 12, newIno],
    ]);
    expect(source.stats().rotations).toBe(1);
    expect(logger.messages('info').some((m) => m.includes('was rotated'))).toBe(true);
  });

  it('holds back the new file until the grace period of the old one is over', async () => {
    const path = join(dir, 'secure');
    writeFileSync(path, 'old-1\n');
    // Fake time from the real now (file timestamps are compared with it): the grace period
    // passes only when the test says so, however slow the machine.
    const scheduler = new FakeScheduler(Date.now());
    const { source, sink } = follow(path, { rotationGraceMs: 1500, scheduler });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the first line');
    const writer = openSync(path, 'a');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new-1\n');
    await waitFor(() => source.stats().rotations === 1, 'the rotation to be seen');
    await scheduler.advance(1400);
    expect(sink.texts()).toEqual(['old-1']);
    writeSync(writer, 'old-2\n');
    closeSync(writer);
    await waitFor(() => sink.lines.length === 2, 'the late old-2');
    expect(sink.texts()).toEqual(['old-1', 'old-2']);
    await scheduler.advance(200);
    await waitFor(() => sink.lines.length === 3, 'old-2 then new-1', 10_000);
    expect(sink.texts()).toEqual(['old-1', 'old-2', 'new-1']);
  });
});

describe('FileSource across two rotations between two looks', () => {
  it('also reads the file that was created and rotated away in between (found beside the old one)', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\n');
    const { source, sink } = follow(path, { watch: false, pollIntervalMs: 300, rotationGraceMs: 0 });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'a1');
    await sleep(50);
    // All within one tick: the source cannot look in between.
    appendFileSync(path, 'a2\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\n');
    renameSync(`${path}.1`, `${path}.2`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'c1\n');
    await waitFor(() => sink.lines.length === 4, 'a2, b1, c1');
    expect(sink.texts()).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(seen(sink)[2]?.[2]).toBe(ino(`${path}.1`));
  });
});

describe('FileSource across copytruncate', () => {
  it('reads what it had not read yet from the copy, then the truncated file from 0', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'gen1-a\n');
    // Polling only, and slowly: nothing reads between the writes below and the truncation.
    const { source, sink } = follow(path, { watch: false, pollIntervalMs: 400 });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the first line');
    await sleep(100);
    const fileIno = ino(path);
    // Written and rotated before the source gets to read them: only the copy still holds them.
    appendFileSync(path, 'gen1-b\ngen1-c part');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'gen2-a\n');
    const copyIno = ino(`${path}.1`);
    await waitFor(() => sink.lines.length >= 3, 'lines from the copy');
    appendFileSync(path, 'gen2-b\n');
    await waitFor(() => sink.texts().includes('gen2-b'), 'the line after truncation');
    const texts = sink.texts();
    expect(texts.slice(0, 3)).toEqual(['gen1-a', 'gen1-b', 'gen1-c part']);
    expect(texts.slice(3)).toEqual(['gen2-a', 'gen2-b']);
    expect(seen(sink)[1]).toEqual(['gen1-b', 14, copyIno]);
    expect(seen(sink)[4]).toEqual(['gen2-b', 14, fileIno]);
    expect(source.stats().truncations).toBe(1);
  });

  it('starts over at 0 after "> file" and drops a held partial line', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a\nhalf');
    const { source, sink } = follow(path);
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'a');
    await waitFor(() => source.bytesBehind() === 4, 'the partial line to be held');
    truncateSync(path, 0);
    await waitFor(() => source.stats().truncations === 1, 'the truncation to be seen');
    appendFileSync(path, 'b\n');
    await waitFor(() => sink.lines.length === 2, 'b');
    expect(seen(sink).map(([t, o]) => [t, o])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
  });
});

describe('FileSource when the file is deleted or not there yet', () => {
  it('waits for a file that does not exist yet, warning once, and reads it from 0 when it appears', async () => {
    const path = join(dir, 'later.log');
    const { source, sink, logger } = follow(path, { startAt: 'end' });
    await source.start();
    await sleep(200);
    writeFileSync(path, 'first\n');
    await waitFor(() => sink.lines.length === 1, 'the first line of the new file');
    expect(sink.texts()).toEqual(['first']);
    expect(logger.messages('warn').filter((m) => m.includes('does not exist'))).toHaveLength(1);
  });

  it('after a delete, reads the rest of the old file, then the file created later', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\n');
    const { source, sink, logger } = follow(path, { rotationGraceMs: 100 });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'one');
    const writer = openSync(path, 'a');
    unlinkSync(path);
    writeSync(writer, 'two\n');
    closeSync(writer);
    await waitFor(
      () => logger.messages('warn').some((m) => m.includes('does not exist')),
      'a warning that the file is gone',
    );
    writeFileSync(path, 'three\n');
    await waitFor(() => sink.lines.length === 3, 'three lines');
    expect(sink.texts()).toEqual(['one', 'two', 'three']);
  });
});

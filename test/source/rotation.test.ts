import { appendFileSync, copyFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSource } from '../../src/source/file-source.js';
import { PlainFile } from '../../src/source/followed-file.js';
import { FollowedFiles } from '../../src/source/followed-files.js';
import { StatsCounter } from '../../src/source/line-source.js';
import { eventOf, lookAt, Rotation } from '../../src/source/rotation.js';
import { fileSourceUnderTest } from '../helpers/follow-file.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { captureLogger, sleep, tempDir, waitFor } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
const running: FileSource[] = [];
const queues: FollowedFiles[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-rotation-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await Promise.all(queues.splice(0).map((q) => q.close()));
  await cleanup();
});

/** The state machine alone: a read queue and the rotation handler on fake time, no read loop. */
async function machine(path: string, graceMs = 1000) {
  const scheduler = new FakeScheduler(Date.now());
  let wakes = 0;
  const files = new FollowedFiles(scheduler, graceMs, () => wakes++);
  queues.push(files);
  const logger = captureLogger();
  const counters = new StatsCounter();
  const rotation = new Rotation({
    path,
    maxLineBytes: 1024,
    graceMs,
    files,
    counters,
    scheduler,
    logger,
    stopping: () => false,
    wake: () => wakes++,
    startsAt: () => undefined,
  });
  const live = await PlainFile.open(path, 1024);
  files.follow(live);
  rotation.begin({ everHadFile: true, endWhenReadable: false, problem: null });
  return { scheduler, files, rotation, logger, counters, live, wakes: () => wakes };
}

/** Reads `file` to its end for now, as the source's read loop would; returns the line texts. */
async function readToEnd(file: PlainFile): Promise<string[]> {
  const scratch = Buffer.alloc(4096);
  const texts: string[] = [];
  for (;;) {
    const chunk = await file.read(scratch);
    if (chunk.length === 0) return texts;
    for (const line of file.consume(chunk)) texts.push(line.text ?? `<${line.defect}>`);
  }
}

describe('what a look at the path is', () => {
  it('tells the live file, the newest rotated file back at the path, another file, and no file apart', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a\n');
    const file = await PlainFile.open(path, 1024);
    try {
      const look = await lookAt(path);
      expect(look).toEqual({ kind: 'file', dev: file.dev, ino: file.ino });
      expect(eventOf(look, { live: file, newestRotated: null })).toEqual({ kind: 'same' });
      expect(eventOf(look, { live: null, newestRotated: file })).toEqual({ kind: 'moved-back' });
      expect(eventOf(look, { live: null, newestRotated: null })).toEqual({ kind: 'replaced' });
      renameSync(path, `${path}.1`);
      writeFileSync(path, 'b\n');
      expect(eventOf(await lookAt(path), { live: file, newestRotated: null })).toEqual({ kind: 'replaced' });
      unlinkSync(path);
      expect(eventOf(await lookAt(path), { live: file, newestRotated: null })).toEqual({
        kind: 'gone',
        problem: { kind: 'missing' },
      });
      expect(await lookAt(dir)).toEqual({ kind: 'problem', problem: { kind: 'not-regular' } });
    } finally {
      await file.close();
    }
  });
});

describe('the rotation state machine', () => {
  it('rename + create: following -> draining (grace period) -> following the new file', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'old-1\n');
    const m = await machine(path);
    expect(m.files.state).toBe('following');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new-1\n');
    await m.rotation.checkPath();
    expect(m.files.state).toBe('draining');
    expect(m.files.head).toBe(m.live);
    expect(m.files.live?.ino).toBe(statSync(path).ino);
    expect(m.counters.rotations).toBe(1);
    // At the old file's end, its grace period holds the new file back until it is over.
    expect(await readToEnd(m.live)).toEqual(['old-1']);
    await m.scheduler.advance(999);
    expect(m.files.graceOver(m.live)).toBe(false);
    const wakesBefore = m.wakes();
    await m.scheduler.advance(10);
    expect(m.wakes()).toBeGreaterThan(wakesBefore);
    expect(m.files.graceOver(m.live)).toBe(true);
    await m.rotation.apply({ kind: 'grace-over', file: m.live });
    expect(m.files.state).toBe('following');
    expect(m.files.head).toBe(m.files.live);
  });

  it('delete: following -> draining -> waiting (warned once nothing is left) -> following a new file', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\n');
    const m = await machine(path);
    unlinkSync(path);
    await m.rotation.checkPath();
    expect(m.files.state).toBe('draining');
    expect(m.files.live).toBeNull();
    expect(m.logger.messages('warn')).toEqual([]);
    await m.scheduler.advance(1000);
    await m.rotation.apply({ kind: 'grace-over', file: m.live });
    expect(m.files.state).toBe('waiting');
    expect(m.logger.messages('warn').filter((msg) => msg.includes('does not exist'))).toHaveLength(1);
    writeFileSync(path, 'two\n');
    await m.rotation.checkPath();
    expect(m.files.state).toBe('following');
  });

  it('moved back within the grace period: draining -> following the same file again', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'one\n');
    const m = await machine(path);
    renameSync(path, `${path}.1`);
    await m.rotation.checkPath();
    expect(m.files.state).toBe('draining');
    renameSync(`${path}.1`, path);
    await m.rotation.checkPath();
    expect(m.files.state).toBe('following');
    expect(m.files.live).toBe(m.live);
    await m.scheduler.advance(5000);
    expect(m.files.graceOver(m.live)).toBe(false);
  });

  it('copytruncate: following -> catching-up from the copy (the held partial line goes on there) -> following from 0', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\na2 par');
    const m = await machine(path);
    expect(await readToEnd(m.live)).toEqual(['a1']);
    appendFileSync(path, 'tial\na3\n');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'b1\n');
    await m.rotation.apply({ kind: 'truncated', file: m.live });
    expect(m.files.state).toBe('catching-up');
    expect(m.counters.truncations).toBe(1);
    const copy = m.files.head;
    if (!(copy instanceof PlainFile)) throw new Error('the copy is not queued first');
    expect(copy.label).toBe(`${path}.1`);
    expect(await readToEnd(copy)).toEqual(['a2 partial', 'a3']);
    expect(m.files.graceOver(copy)).toBe(true);
    await m.rotation.apply({ kind: 'grace-over', file: copy });
    expect(m.files.state).toBe('following');
    expect(await readToEnd(m.live)).toEqual(['b1']);
  });
});

describe('FileSource when a copytruncate is noticed only after the file was rotated away', () => {
  // The truncated file is probed like the live one: its unread rest is read from the copy,
  // then its new content from 0, instead of reading the new content from the old offset.
  for (const then of ['renamed', 'deleted'] as const) {
    it(`reads the rest from the copy, then what was written after the truncation, when it was then ${then}`, async () => {
      const path = join(dir, 'auth.log');
      writeFileSync(path, 'a1 the first line of the old content\n');
      const { source, sink, logger } = fileSourceUnderTest(
        path,
        { watch: false, pollIntervalMs: 300, rotationGraceMs: 100 },
        running,
      );
      await source.start();
      await waitFor(() => sink.lines.length === 1, 'a1');
      await sleep(50);
      // All before the next poll: the source sees the truncation only in the rotated file.
      appendFileSync(path, 'a2 unread\n');
      copyFileSync(path, `${path}-1`);
      truncateSync(path, 0);
      appendFileSync(path, 'b1\nb2 is longer than everything read before the truncation\n');
      if (then === 'renamed') renameSync(path, `${path}-2`);
      else unlinkSync(path);
      writeFileSync(path, 'c1\n');
      await waitFor(() => sink.texts().includes('c1'), 'c1');
      expect(sink.texts()).toEqual([
        'a1 the first line of the old content',
        'a2 unread',
        'b1',
        'b2 is longer than everything read before the truncation',
        'c1',
      ]);
      expect(source.stats().truncations).toBe(1);
      expect(logger.messages('info').some((msg) => msg.includes('was truncated (copytruncate)'))).toBe(true);
    });
  }
});

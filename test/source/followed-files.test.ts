import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GzipFile, PlainFile } from '../../src/source/followed-file.js';
import { FollowedFiles } from '../../src/source/followed-files.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';
import { tempDir } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
let queue: FollowedFiles | null = null;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-queue-'));
});
afterEach(async () => {
  await queue?.close();
  queue = null;
  await cleanup();
});

function setUp(graceMs = 1000) {
  const scheduler = new FakeScheduler();
  let wakes = 0;
  queue = new FollowedFiles(scheduler, graceMs, () => wakes++);
  return { scheduler, files: queue, wakes: () => wakes };
}

async function plain(name: string, content: string): Promise<PlainFile> {
  const path = join(dir, name);
  writeFileSync(path, content);
  return PlainFile.open(path, 1024);
}

const archive = (name: string, size: number) =>
  new GzipFile(join(dir, name), { dev: 1, ino: 2, fingerprint: '', fingerprintBytes: 0 }, size, 0, 1024);

describe('FollowedFiles, the read queue', () => {
  it('reads found files first, oldest first, then the live file; the state follows the head', async () => {
    const { files } = setUp();
    expect(files.state).toBe('waiting');
    const old = archive('auth.log.2.gz', 10);
    const copy = await plain('auth.log.1', 'x\n');
    const live = await plain('auth.log', 'y\n');
    files.queueFound(old);
    files.queueFound(copy);
    files.follow(live);
    expect(files.files).toEqual([old, copy, live]);
    expect(files.state).toBe('catching-up');
    expect(files.dropFinished(old)).toBe(true);
    expect(files.dropFinished(old)).toBe(false);
    expect(files.head).toBe(copy);
    expect(files.dropFinished(copy)).toBe(true);
    expect(files.state).toBe('following');
    expect(files.dropFinished(live)).toBe(false);
    expect(files.live).toBe(live);
  });

  it('a retired live file is drained for the grace period, with one wake-up at its end however often it is asked', async () => {
    const { scheduler, files, wakes } = setUp(1000);
    const live = await plain('auth.log', 'a\n');
    files.follow(live);
    expect(files.graceOver(live)).toBe(false);
    expect(scheduler.pendingCount).toBe(0);
    files.retireLive();
    expect(files.live).toBeNull();
    expect(files.state).toBe('draining');
    expect(files.newestRotated).toBe(live);
    await scheduler.advance(500);
    expect(files.graceOver(live)).toBe(false);
    expect(files.graceOver(live)).toBe(false);
    expect(scheduler.pendingCount).toBe(1);
    await scheduler.advance(510);
    expect(wakes()).toBe(1);
    expect(files.graceOver(live)).toBe(true);
  });

  it('takes the newest rotated file back as the live one (renamed back), ending its grace period', async () => {
    const { scheduler, files } = setUp(1000);
    const live = await plain('auth.log', 'a\n');
    files.follow(live);
    files.retireLive();
    files.takeBackNewest();
    expect(files.live).toBe(live);
    expect(files.state).toBe('following');
    expect(files.newestRotated).toBeNull();
    await scheduler.advance(2000);
    expect(files.graceOver(live)).toBe(false);
    // An archive found beside the path can never be the file at the path again.
    const { files: other } = setUp();
    other.queueFound(archive('auth.log.1.gz', 5));
    expect(other.newestRotated).toBeNull();
  });

  it('queues the copy of a truncated file before the head, and counts what is not delivered yet', async () => {
    const { files } = setUp();
    const live = await plain('auth.log', 'one\ntwo\n');
    files.follow(live);
    expect(files.bytesBehind()).toBe(8);
    files.delivered(live, 4);
    expect(files.bytesBehind()).toBe(4);
    const copy = await plain('auth.log.1', 'one\ntwo\nthree\n');
    copy.seek(4);
    files.queueBeforeHead([copy]);
    files.restarted(live);
    expect(files.head).toBe(copy);
    expect(files.state).toBe('catching-up');
    expect(files.graceOver(copy)).toBe(true);
    expect(files.bytesBehind()).toBe(14 - 4 + 8);
  });

  it('close() cancels the wake-ups and closes every file', async () => {
    const { scheduler, files } = setUp(1000);
    const live = await plain('auth.log', 'a\n');
    files.follow(live);
    files.retireLive();
    expect(scheduler.pendingCount).toBe(1);
    await files.close();
    expect(scheduler.pendingCount).toBe(0);
    expect(files.isEmpty).toBe(true);
    await expect(live.read(Buffer.alloc(16))).rejects.toThrow();
  });
});

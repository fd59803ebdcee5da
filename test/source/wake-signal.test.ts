import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WakeSignal, WATCHED_POLL_FACTOR, type WakeReason } from '../../src/source/wake-signal.js';
import type { Logger } from '../../src/types.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

const quiet: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function watched(useWatcher: boolean, intervalMs: number, scheduler?: FakeScheduler) {
  const dir = await mkdtemp(join(tmpdir(), 'wrapwatch-wake-'));
  const log = join(dir, 'secure');
  await writeFile(log, '');
  const wakes: WakeReason[] = [];
  const signal = new WakeSignal(log, intervalMs, (reason) => wakes.push(reason), quiet, useWatcher, scheduler);
  signal.start();
  cleanup = async () => {
    signal.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { log, wakes };
}

describe('WakeSignal', () => {
  it('wakes on an append at once, through the directory watcher', async () => {
    const { log, wakes } = await watched(true, 60_000);
    await sleep(50);
    await appendFile(log, 'line\n');
    for (let i = 0; i < 100 && !wakes.includes('data'); i++) await sleep(10);
    expect(wakes).toContain('data');
  });

  it('polls at the interval without a watcher, and only as a rare safety net with one', async () => {
    const intervalMs = 40;
    // Fake time, advanced one interval at a time: the count does not depend on the machine's load.
    const time = new FakeScheduler();
    const polled = await watched(false, intervalMs, time);
    for (let i = 0; i < 12; i++) await time.advance(intervalMs);
    const unwatchedPolls = polled.wakes.filter((w) => w === 'poll').length;
    await cleanup?.();
    cleanup = null;

    const calm = await watched(true, intervalMs, time);
    for (let i = 0; i < 12; i++) await time.advance(intervalMs);
    const watchedPolls = calm.wakes.filter((w) => w === 'poll').length;
    expect(unwatchedPolls).toBeGreaterThanOrEqual(6);
    expect(watchedPolls).toBeLessThanOrEqual(Math.ceil(12 / WATCHED_POLL_FACTOR) + 1);
  });
});

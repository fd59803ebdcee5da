import { describe, expect, it } from 'vitest';
import { realScheduler } from '../../src/time/scheduler.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

describe('realScheduler', () => {
  it('fires a timeout, not a cancelled one, and reads the wall clock', async () => {
    const fired: string[] = [];
    const before = Date.now();
    realScheduler.timeout(() => fired.push('kept'), 5);
    realScheduler.timeout(() => fired.push('cancelled'), 5).cancel();
    await realScheduler.sleep(30);
    expect(fired).toEqual(['kept']);
    expect(realScheduler.now()).toBeGreaterThanOrEqual(before + 5);
  });

  it('ends a sleep early when its signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    const slept = realScheduler.sleep(60_000, abort.signal);
    abort.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('FakeScheduler', () => {
  it('stands still until advanced, then fires what is due in time order, intervals repeatedly', async () => {
    const time = new FakeScheduler(1_000);
    const fired: string[] = [];
    time.timeout(() => fired.push(`b@${time.now()}`), 20);
    time.timeout(() => fired.push(`a@${time.now()}`), 10);
    const tick = time.interval(() => fired.push(`i@${time.now()}`), 15);
    expect(time.now()).toBe(1_000);
    await time.advance(9);
    expect(fired).toEqual([]);
    await time.advance(26);
    expect(fired).toEqual(['a@1010', 'i@1015', 'b@1020', 'i@1030']);
    tick.cancel();
    await time.advance(100);
    expect(fired).toHaveLength(4);
    expect(time.now()).toBe(1_135);
    expect(time.pendingCount).toBe(0);
  });

  it('refresh starts the delay again from now', async () => {
    const time = new FakeScheduler(0);
    let fired = 0;
    const timer = time.timeout(() => fired++, 100);
    await time.advance(90);
    timer.refresh();
    await time.advance(90);
    expect(fired).toBe(0);
    await time.advance(10);
    expect(fired).toBe(1);
  });

  it('runs a sleep’s continuation before the next timer fires', async () => {
    const time = new FakeScheduler(0);
    const order: string[] = [];
    void time.sleep(10).then(() => order.push('woke'));
    time.timeout(() => order.push('later'), 11);
    await time.advance(20);
    expect(order).toEqual(['woke', 'later']);
  });
});

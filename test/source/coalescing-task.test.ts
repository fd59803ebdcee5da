import { describe, expect, it } from 'vitest';
import { CoalescingTask } from '../../src/source/coalescing-task.js';

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('CoalescingTask', () => {
  it('runs once more after the current run for any number of requests made during it, never two at once', async () => {
    let runs = 0;
    let inFlight = 0;
    let most = 0;
    const first = gate();
    const task = new CoalescingTask(
      async () => {
        runs++;
        inFlight++;
        most = Math.max(most, inFlight);
        if (runs === 1) await first.opened;
        inFlight--;
      },
      () => undefined,
      () => false,
    );
    const a = task.request();
    const b = task.request();
    const c = task.request();
    expect(b).toBe(a);
    first.open();
    await Promise.all([a, b, c]);
    expect(runs).toBe(2);
    expect(most).toBe(1);
    await task.request();
    expect(runs).toBe(3);
  });

  it('reports a run that throws and runs again on the next request; starts nothing once stopped', async () => {
    const errors: unknown[] = [];
    let stopped = false;
    let runs = 0;
    const task = new CoalescingTask(
      () => {
        runs++;
        return runs === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
      (err) => errors.push(err),
      () => stopped,
    );
    await task.request();
    expect(errors).toHaveLength(1);
    await task.request();
    expect(runs).toBe(2);
    stopped = true;
    await task.request();
    await task.idle();
    expect(runs).toBe(2);
  });

  it('idle() waits for the run under way', async () => {
    const g = gate();
    let done = false;
    const task = new CoalescingTask(
      async () => {
        await g.opened;
        done = true;
      },
      () => undefined,
      () => false,
    );
    void task.request();
    const idle = task.idle();
    g.open();
    await idle;
    expect(done).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { notifyEnvironment, SystemdNotifier } from '../../src/status/notify.js';
import type { Logger } from '../../src/types.js';
import { FakeScheduler } from '../helpers/fake-scheduler.js';

const quiet: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** A systemd-notify that the test completes by hand, to see what queues behind a slow one. */
function manualSender() {
  const sent: string[][] = [];
  const finish: (() => void)[] = [];
  const send = (assignments: readonly string[]) =>
    new Promise<void>((resolve) => {
      sent.push([...assignments]);
      finish.push(resolve);
    });
  const completeOne = async () => {
    finish.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { sent, send, completeOne };
}

describe('notifyEnvironment', () => {
  it('nothing without NOTIFY_SOCKET: outside systemd nothing changes', () => {
    expect(notifyEnvironment({}, 10)).toBeNull();
    expect(notifyEnvironment({ NOTIFY_SOCKET: '' }, 10)).toBeNull();
  });

  it('pings at half of WATCHDOG_USEC, only for the pid it names', () => {
    expect(notifyEnvironment({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '60000000' }, 10)).toEqual({
      socket: '/run/systemd/notify',
      watchdogIntervalMs: 30_000,
    });
    expect(
      notifyEnvironment({ NOTIFY_SOCKET: '@abstract', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '10' }, 10)
        ?.watchdogIntervalMs,
    ).toBe(30_000);
    expect(
      notifyEnvironment({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: '60000000', WATCHDOG_PID: '11' }, 10)?.watchdogIntervalMs,
    ).toBeNull();
    expect(notifyEnvironment({ NOTIFY_SOCKET: '/s', WATCHDOG_USEC: 'junk' }, 10)?.watchdogIntervalMs).toBeNull();
  });
});

describe('SystemdNotifier', () => {
  it('sends one message at a time, in order; queued STATUS/WATCHDOG merge, state changes stay separate', async () => {
    const s = manualSender();
    const n = new SystemdNotifier({ socket: '/s', watchdogIntervalMs: null }, quiet, s.send);
    n.ready('a');
    n.status('b');
    n.status('c');
    n.reloading('r', 5n);
    n.status('d');
    n.ready('e');
    expect(s.sent).toEqual([['READY=1', 'STATUS=a']]);
    for (let i = 0; i < 5; i++) await s.completeOne();
    expect(s.sent).toEqual([
      ['READY=1', 'STATUS=a'],
      ['STATUS=c'],
      ['RELOADING=1', 'MONOTONIC_USEC=5', 'STATUS=d'],
      ['READY=1', 'STATUS=e'],
    ]);
  });

  it('does not resend a STATUS equal to the last one', async () => {
    const s = manualSender();
    const n = new SystemdNotifier({ socket: '/s', watchdogIntervalMs: null }, quiet, s.send);
    n.status('same');
    await s.completeOne();
    n.status('same');
    n.status('same');
    expect(s.sent).toEqual([['STATUS=same']]);
  });

  it('keeps a STATUS on one line: a newline would add an assignment of its own (READY=1)', async () => {
    const s = manualSender();
    const n = new SystemdNotifier({ socket: '/s', watchdogIntervalMs: null }, quiet, s.send);
    n.status('x\nREADY=1');
    expect(s.sent).toEqual([['STATUS=x READY=1']]);
  });

  it('pings WATCHDOG=1 from a timer, stops at STOPPING, and a failure is logged once per run of failures', async () => {
    const time = new FakeScheduler();
    const warnings: string[] = [];
    let calls = 0;
    const n = new SystemdNotifier(
      { socket: '/s', watchdogIntervalMs: 20 },
      { ...quiet, warn: (_o, m) => warnings.push(m ?? '') },
      async (a) => {
        calls++;
        if (a.includes('WATCHDOG=1')) throw new Error('no socket');
      },
      time,
    );
    n.startWatchdog();
    await time.advance(130);
    n.stopping('bye');
    await time.settleWithin(n.flush(1000));
    const pings = calls - 1;
    // One ping each 20 ms of the 130: at 20, 40, ... 120.
    expect(pings).toBe(6);
    expect(warnings).toHaveLength(1);
    const after = calls;
    await time.advance(60);
    expect(calls).toBe(after);
    expect(time.pendingCount).toBe(0);
    expect(n.stats().failures).toBe(pings);
  });
});

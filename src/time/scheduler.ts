import type { Clock } from '../types.js';

/** A pending timer; cancelling twice, or after it fired, does nothing. */
export interface Timer {
  cancel(): void;
  /** Lets the process exit while only this timer is pending (Node's `unref`). */
  unref(): Timer;
  /** Starts the same delay again from now, fired or not (Node's `refresh`): one timer for many waits. */
  refresh(): Timer;
}

/**
 * Time as the whole daemon sees it: the wall clock and the timers set against it. Production
 * passes `realScheduler`; unit tests pass a fake one they advance by hand, so nothing in src/
 * reads the clock or sets a timer on its own (this is the one module that does).
 */
export interface Scheduler extends Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  /** Calls `fn` once, `ms` (at least 0) from now. */
  timeout(fn: () => void, ms: number): Timer;
  /** Calls `fn` every `ms` until cancelled. */
  interval(fn: () => void, ms: number): Timer;
  /** Resolves `ms` from now; `signal` ends the wait early (resolving, not rejecting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function wrap(handle: NodeJS.Timeout, clear: (handle: NodeJS.Timeout) => void): Timer {
  const timer: Timer = {
    cancel: () => {
      clear(handle);
    },
    unref: () => {
      handle.unref();
      return timer;
    },
    refresh: () => {
      handle.refresh();
      return timer;
    },
  };
  return timer;
}

/** Node's clock and timers. */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  timeout: (fn, ms) => wrap(setTimeout(fn, Math.max(0, ms)), clearTimeout),
  interval: (fn, ms) => wrap(setInterval(fn, Math.max(1, ms)), clearInterval),
  sleep: (ms, signal) => sleepOn(realScheduler, ms, signal),
};

/** `sleep` for any scheduler: a timer, and an abort that resolves early. */
export function sleepOn(scheduler: Scheduler, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      timer.cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = scheduler.timeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

import { describe, expect, it } from 'vitest';
import { CommitTracker, oldestOf } from '../../src/daemon/commit-tracker.js';
import type { SourcePosition } from '../../src/types.js';

const at = (path: string, offset: number): SourcePosition => ({
  kind: 'file',
  path,
  offset,
  identity: { dev: 1, ino: 2, fingerprint: 'f', fingerprintBytes: 1 },
});

describe('CommitTracker', () => {
  it('releases the newest position per source below the first undelivered event', () => {
    const tracker = new CommitTracker();
    tracker.note(10, 'auth', at('auth', 100));
    tracker.note(20, 'syslog', at('syslog', 50));
    tracker.note(30, 'auth', at('auth', 300));
    tracker.note(40, 'auth', at('auth', 400));
    // Event 35 is still held (e.g. folded in an open window): nothing from batch 40 on commits.
    expect(tracker.release(35)).toEqual(
      new Map([
        ['auth', at('auth', 300)],
        ['syslog', at('syslog', 50)],
      ]),
    );
    expect(tracker.release(35)).toEqual(new Map());
    expect(tracker.size).toBe(1);
    expect(tracker.release(null)).toEqual(new Map([['auth', at('auth', 400)]]));
  });

  it('holds a batch whose own events are undelivered, even the first one', () => {
    const tracker = new CommitTracker();
    tracker.note(5, 'auth', at('auth', 10));
    expect(tracker.release(5).size).toBe(0);
    expect(tracker.release(6).get('auth')).toEqual(at('auth', 10));
  });

  it('stays small over a long run', () => {
    const tracker = new CommitTracker();
    for (let i = 1; i <= 100_000; i++) {
      tracker.note(i, 'auth', at('auth', i));
      if (i % 100 === 0) tracker.release(i - 10);
    }
    expect(tracker.size).toBeLessThan(20);
  });

  it('oldestOf treats null as "nothing held"', () => {
    expect(oldestOf(null, null)).toBeNull();
    expect(oldestOf(3, null)).toBe(3);
    expect(oldestOf(null, 4)).toBe(4);
    expect(oldestOf(7, 4)).toBe(4);
  });
});

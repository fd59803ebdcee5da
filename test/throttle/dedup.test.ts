import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import { PAIR_WAIT_MS, PAIR_WINDOW_MS, XinetdPairs } from '../../src/throttle/dedup.js';
import type { RefusalEvent } from '../../src/types.js';
import { FakeClock, Harness, refusal, type RefusalFields } from './throttle-harness.js';

const clock = new FakeClock();
const libwrap = (fields: RefusalFields = {}) =>
  refusal(clock, {
    kind: 'xinetd-libwrap',
    daemon: 'xinetd',
    service: 'daytime-stream',
    pid: 12740,
    address: '127.0.0.1',
    ...fields,
  });
const fail = (fields: RefusalFields = {}) => libwrap({ kind: 'xinetd-fail', ...fields });
const at = (ms: number) => new Date(clock.now() + ms);

describe('xinetd pair deduplication', () => {
  it('counts the libwrap line and its FAIL line once', () => {
    const pairs = new XinetdPairs(100);
    expect(pairs.duplicates(libwrap(), 1, 0)).toBe(0);
    expect(pairs.duplicates(fail({ time: at(15) }), 1, 0)).toBe(1);
    expect(pairs.size).toBe(0);
  });

  it('counts a lone FAIL line and a lone libwrap line each as a refusal', () => {
    const pairs = new XinetdPairs(100);
    expect(pairs.duplicates(fail({ pid: 1 }), 1, 0)).toBe(0);
    expect(pairs.duplicates(libwrap({ pid: 2 }), 1, 0)).toBe(0);
    expect(pairs.duplicates(libwrap({ pid: 3 }), 1, 0)).toBe(0);
  });

  it('pairs the lines in either order', () => {
    const pairs = new XinetdPairs(100);
    expect(pairs.duplicates(fail(), 1, 0)).toBe(0);
    expect(pairs.duplicates(libwrap(), 1, 0)).toBe(1);
  });

  it('pairs two connections to an internal service sharing the parent pid, interleaved or not', () => {
    const pairs = new XinetdPairs(100);
    const lines = [libwrap(), fail(), libwrap({ time: at(200) }), fail({ time: at(200) })];
    expect(lines.map((e) => pairs.duplicates(e, 1, 0))).toEqual([0, 1, 0, 1]);
    const nested = [libwrap(), libwrap(), fail(), fail()];
    expect(nested.map((e) => pairs.duplicates(e, 1, 0))).toEqual([0, 0, 1, 1]);
    expect(pairs.duplicates(fail(), 1, 0)).toBe(0); // a third FAIL has no partner left
  });

  it('pairs only the same host, pid, service and address within a second of log time', () => {
    const pairs = new XinetdPairs(100);
    pairs.duplicates(libwrap(), 1, 0);
    expect(pairs.duplicates(fail({ pid: 999 }), 1, 0)).toBe(0);
    expect(pairs.duplicates(fail({ address: '127.0.0.2' }), 1, 0)).toBe(0);
    expect(pairs.duplicates(fail({ service: 'echo-stream' }), 1, 0)).toBe(0);
    expect(pairs.duplicates(fail({ host: 'other' }), 1, 0)).toBe(0);
    expect(pairs.duplicates(fail({ time: at(1001) }), 1, 0)).toBe(0);
    // Traditional headers have whole seconds: 15:40:16 and 15:40:17 are within a second.
    const coarse = new XinetdPairs(100);
    coarse.duplicates(libwrap({ time: new Date('2026-11-21T15:40:16Z') }), 1, 0);
    expect(coarse.duplicates(fail({ time: new Date('2026-11-21T15:40:17Z') }), 1, 0)).toBe(1);
  });

  it('leaves other kinds alone, even identical lines', () => {
    const pairs = new XinetdPairs(100);
    const line = refusal(clock);
    expect(pairs.duplicates(line, 1, 0)).toBe(0);
    expect(pairs.duplicates(line, 1, 0)).toBe(0);
    expect(pairs.size).toBe(0);
  });

  it('pairs "message repeated N times" counts line for line', () => {
    const pairs = new XinetdPairs(100);
    expect(pairs.duplicates(libwrap(), 3, 0)).toBe(0);
    expect(pairs.duplicates(fail(), 5, 0)).toBe(3);
    expect(pairs.duplicates(libwrap(), 1, 0)).toBe(1); // one of the five FAILs was unpaired
  });

  it('forgets unpaired lines after 5 s of daemon time and holds at most `capacity`', () => {
    const pairs = new XinetdPairs(100);
    pairs.duplicates(libwrap(), 1, 0);
    expect(pairs.duplicates(fail({ pid: 7 }), 1, 4_999)).toBe(0);
    expect(pairs.duplicates(fail(), 1, 5_000)).toBe(0); // the libwrap line expired
    const small = new XinetdPairs(100);
    for (let i = 0; i < 10_000; i++) small.duplicates(libwrap({ pid: i }), 1, 0);
    expect(small.size).toBe(100);
    expect(small.evicted).toBe(9_900);
    expect(small.duplicates(fail({ pid: 9_999 }), 1, 0)).toBe(1); // the newest are kept
    expect(small.duplicates(fail({ pid: 0 }), 1, 0)).toBe(0);
  });
});

describe('xinetd pair deduplication: the age order under churn', () => {
  it('evicts by when a line was last stored, not by when its key first came', () => {
    const pairs = new XinetdPairs(2);
    pairs.duplicates(libwrap({ pid: 1 }), 1, 0);
    pairs.duplicates(libwrap({ pid: 2 }), 1, 1);
    pairs.duplicates(libwrap({ pid: 1 }), 1, 2); // stored again: now the newest
    pairs.duplicates(libwrap({ pid: 3 }), 1, 3); // one too many: pid 2 is the oldest
    expect(pairs.evicted).toBe(1);
    expect(pairs.duplicates(fail({ pid: 1 }), 1, 3)).toBe(1);
    expect(pairs.duplicates(fail({ pid: 2 }), 1, 3)).toBe(0);
  });

  it('expires by when a line was last stored', () => {
    const pairs = new XinetdPairs(100);
    pairs.duplicates(libwrap({ pid: 1 }), 1, 0);
    pairs.duplicates(libwrap({ pid: 2 }), 1, 0);
    pairs.duplicates(libwrap({ pid: 1 }), 1, 4_000);
    expect(pairs.duplicates(fail({ pid: 2 }), 1, 5_000)).toBe(0); // expired at 5 s
    expect(pairs.duplicates(fail({ pid: 1 }), 1, 5_000)).toBe(1); // stored again at 4 s: still waiting
  });

  it('answers as a table kept in storage order would, through pairings, re-stores, expiry and evictions', () => {
    // The reference keeps its lines in a Map in the order they were last stored (delete + set)
    // and takes the oldest from the Map's front: slow, plainly right. Far more operations than
    // the capacity, so the real one's age queue is compacted many times over.
    const reference = {
      lines: new Map<string, { kind: string; remaining: number; timeMs: number; storedAt: number }>(),
      evicted: 0,
      duplicates(event: RefusalEvent, count: number, now: number): number {
        for (const [key, line] of this.lines) {
          if (now - line.storedAt < PAIR_WAIT_MS) break;
          this.lines.delete(key);
        }
        const key = `${event.pid ?? '-'}`;
        const timeMs = event.time.getTime();
        const other = this.lines.get(key);
        let paired = 0;
        if (other && other.kind !== event.kind && Math.abs(timeMs - other.timeMs) <= PAIR_WINDOW_MS) {
          paired = Math.min(other.remaining, count);
          other.remaining -= paired;
          if (other.remaining === 0) this.lines.delete(key);
        }
        const unpaired = count - paired;
        if (unpaired === 0) return paired;
        const same = this.lines.get(key);
        this.lines.delete(key);
        if (same && same.kind === event.kind) {
          this.lines.set(key, { ...same, remaining: same.remaining + unpaired, timeMs, storedAt: now });
          return paired;
        }
        this.lines.set(key, { kind: event.kind, remaining: unpaired, timeMs, storedAt: now });
        while (this.lines.size > 64) {
          this.lines.delete(this.lines.keys().next().value as string);
          this.evicted++;
        }
        return paired;
      },
    };
    const pairs = new XinetdPairs(64);
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let now = 0;
    for (let i = 0; i < 30_000; i++) {
      if (random(50) === 0) now += random(3000);
      const make = random(2) === 0 ? libwrap : fail;
      const event = make({ pid: random(200), time: at(random(1500)) });
      const count = 1 + (random(10) === 0 ? random(3) : 0);
      expect(pairs.duplicates(event, count, now)).toBe(reference.duplicates(event, count, now));
      expect(pairs.size).toBe(reference.lines.size);
    }
    expect(pairs.evicted).toBe(reference.evicted);
    expect(reference.evicted).toBeGreaterThan(1000);
  });
});

describe('deduplication in the throttle', () => {
  it('reports one refused connection once and counts the second line as deduplicated', async () => {
    const h = await Harness.create();
    const parser = new LineParser({ timeZone: 'UTC', now: () => h.clock.now() });
    // Real lines captured from xinetd 2.3.15.3 (shared corpus), a lone FAIL among them.
    const lines = [
      'Nov 21 15:40:20 vm xinetd[12740]: libwrap refused connection to daytime-stream6 (libwrap=daytime) from ::1',
      'Nov 21 15:40:20 vm xinetd[12740]: FAIL: daytime-stream6 libwrap from=::1',
      'Nov 21 15:40:24 vm xinetd[13056]: FAIL: echo-stream-mapped libwrap from=::ffff:127.0.0.1',
      'Nov 21 15:42:21 vm xinetd[17110]: 17110 {access_control} libwrap refused connection to echo-stream (libwrap=echo) from 127.0.0.10',
      'Nov 21 15:42:21 vm xinetd[17110]: FAIL: echo-stream libwrap from=127.0.0.10',
    ];
    for (const line of lines) {
      const parsed = parser.parseLine(line);
      if (parsed.kind !== 'refusal') throw new Error(`the parser did not read: ${line}`);
      h.throttle.offer({ seq: ++h.seq, event: parsed.event });
    }
    expect(h.throttle.stats()).toMatchObject({
      events: 5,
      refusals: 5,
      deduplicated: 2,
      reported: 3,
      pending: 0,
      results: expect.objectContaining({ first: 3 }),
    });
  });
});

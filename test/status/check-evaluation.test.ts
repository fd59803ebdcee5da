import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CRITICAL,
  DEFAULT_WARNING,
  evaluateCheck,
  parseThresholds,
} from '../../src/status/check-evaluation.js';
import type { StatusRead } from '../../src/status/status-file.js';
import { ThresholdSyntaxError } from '../../src/status/threshold-range.js';
import { doc, sinkStats, snapshot, sourceStats, T0 } from './fixtures.js';

const warning = parseThresholds(undefined, DEFAULT_WARNING);
const critical = parseThresholds(undefined, DEFAULT_CRITICAL);
const alive = () => true;
const ok = (d = doc()): StatusRead => ({ kind: 'ok', doc: d });
const PERF_OK =
  'status_age=0s;30;120;0 receiver_down=0s;60;300;0 behind=0B;1048576;16777216;0 pending=0;;;0 refusals_per_minute=1;;;0 since_delivery=20s;;;0';

describe('wrapwatch check: the verdict on a status file', () => {
  it('OK: the summary line and perfdata for bytes behind, pending, refusals per minute, seconds since delivery', () => {
    expect(evaluateCheck(ok(), T0, warning, critical, alive)).toEqual({
      code: 0,
      line: `WRAPWATCH OK - following 1 log, 0 B behind; receiver up; 0 pending; 14 refusals in the last 5 min | ${PERF_OK}`,
    });
  });

  it('CRITICAL: no status file (not running)', () => {
    expect(
      evaluateCheck({ kind: 'missing', path: '/run/wrapwatch/status.json' }, T0, warning, critical, alive),
    ).toEqual({
      code: 2,
      line: 'WRAPWATCH CRITICAL - wrapwatch is not running: no status file at /run/wrapwatch/status.json',
    });
  });

  it('UNKNOWN: a status file that cannot be read', () => {
    expect(
      evaluateCheck(
        { kind: 'unreadable', path: '/x', message: 'cannot read /x: EACCES' },
        T0,
        warning,
        critical,
        alive,
      ),
    ).toEqual({ code: 3, line: 'WRAPWATCH UNKNOWN - cannot read /x: EACCES' });
  });

  it('CRITICAL: the pid is gone (killed), with the status age', () => {
    const out = evaluateCheck(ok(), T0 + 42_000, warning, critical, () => false);
    expect(out.code).toBe(2);
    expect(out.line).toMatch(
      /^WRAPWATCH CRITICAL - wrapwatch is not running: pid 4242 is gone; status last written 42 s ago \| status_age=42s;/,
    );
  });

  it('CRITICAL: it stopped', () => {
    expect(evaluateCheck(ok(doc({ state: 'stopped' })), T0 + 5000, warning, critical, alive).line).toMatch(
      /^WRAPWATCH CRITICAL - wrapwatch is not running: it stopped 5 s ago \| /,
    );
  });

  it('WARNING then CRITICAL: the status file ages (a hung daemon whose pid exists)', () => {
    expect(evaluateCheck(ok(), T0 + 31_000, warning, critical, alive)).toMatchObject({
      code: 1,
      line: expect.stringMatching(
        /^WRAPWATCH WARNING - status file not updated for 31 s \(daemon hung\?\) \| status_age=31s;30;120;0 /,
      ),
    });
    expect(evaluateCheck(ok(), T0 + 121_000, warning, critical, alive)).toMatchObject({
      code: 2,
      line: expect.stringMatching(/^WRAPWATCH CRITICAL - status file not updated for 2 min 1 s \(daemon hung\?\)/),
    });
  });

  it('WARNING then CRITICAL: the receiver down past the thresholds, with why', () => {
    const down = (seconds: number) =>
      ok(
        doc({
          pipeline: snapshot({
            sink: sinkStats({
              receiver: 'down',
              pending: 4,
              lastError: {
                at: T0,
                reason: 'unreachable',
                message: 'NSCA server 192.0.2.5:5667 refused the connection',
              },
            }),
          }),
          receiver: { since: T0 - seconds * 1000, lastDeliveryAt: T0 - seconds * 1000 },
        }),
      );
    expect(evaluateCheck(down(30), T0, warning, critical, alive).code).toBe(0);
    expect(evaluateCheck(down(61), T0, warning, critical, alive)).toMatchObject({
      code: 1,
      line: expect.stringMatching(
        /^WRAPWATCH WARNING - receiver 192\.0\.2\.5:5667 \(nsca\) down for 1 min 1 s \(unreachable: NSCA server 192\.0\.2\.5:5667 refused the connection\) \| .* receiver_down=61s;60;300;0 .* pending=4;;;0 .* since_delivery=61s;;;0$/,
      ),
    });
    expect(evaluateCheck(down(301), T0, warning, critical, alive)).toMatchObject({
      code: 2,
      line: expect.stringMatching(/^WRAPWATCH CRITICAL - receiver 192\.0\.2\.5:5667 \(nsca\) down for 5 min 1 s/),
    });
  });

  it('WARNING then CRITICAL: behind the log', () => {
    const behind = (bytes: number) =>
      ok(
        doc({
          pipeline: snapshot({
            sources: [{ id: '/var/log/auth.log', kind: 'file', offset: 0, bytesBehind: bytes, stats: sourceStats() }],
          }),
        }),
      );
    expect(evaluateCheck(behind(2 * 1048576), T0, warning, critical, alive)).toMatchObject({
      code: 1,
      line: expect.stringMatching(
        /^WRAPWATCH WARNING - 2\.0 MiB of log not read yet \| .* behind=2097152B;1048576;16777216;0 /,
      ),
    });
    expect(evaluateCheck(behind(17 * 1048576), T0, warning, critical, alive)).toMatchObject({
      code: 2,
      line: expect.stringMatching(/^WRAPWATCH CRITICAL - 17 MiB of log not read yet/),
    });
  });

  it('lists every problem, worst first', () => {
    const d = doc({
      pipeline: snapshot({
        sources: [{ id: '/l', kind: 'file', offset: 0, bytesBehind: 2 * 1048576, stats: sourceStats() }],
        sink: sinkStats({ receiver: 'down' }),
      }),
      receiver: { since: T0 - 400_000, lastDeliveryAt: null },
    });
    expect(evaluateCheck(ok(d), T0, warning, critical, alive).line).toMatch(
      /^WRAPWATCH CRITICAL - receiver 192\.0\.2\.5:5667 \(nsca\) down for 6 min 40 s; 2\.0 MiB of log not read yet \| .* since_delivery=U;;;0$/,
    );
  });

  it('pending, refusals per minute and delivery have no default ranges, but take them', () => {
    const w = parseThresholds('pending=10,refusals=100,delivery=600', DEFAULT_WARNING);
    const d = doc({
      pipeline: snapshot({ sink: sinkStats({ pending: 11, lastDeliveryAt: T0 - 601_000 }) }),
      receiver: { since: T0, lastDeliveryAt: T0 - 601_000 },
      recent: { refusals: { m1: 101, m5: 101, m15: 101 }, results: { m1: 0, m5: 0, m15: 0 } },
    });
    expect(evaluateCheck(ok(d), T0, w, critical, alive).line).toBe(
      'WRAPWATCH WARNING - 11 results waiting for delivery; 101 refusals in the last minute; nothing delivered for 10 min 1 s | status_age=0s;30;120;0 receiver_down=0s;60;300;0 behind=0B;1048576;16777216;0 pending=11;10;;0 refusals_per_minute=101;100;;0 since_delivery=601s;600;;0',
    );
  });

  it('a text from elsewhere cannot add a line or fake perfdata', () => {
    const d = doc({
      pipeline: snapshot({
        sink: sinkStats({
          receiver: 'down',
          endpoint: 'evil|x=1\nWRAPWATCH OK',
          lastError: { at: T0, reason: 'unreachable', message: 'a|b=2\r\nc' },
        }),
      }),
      receiver: { since: T0 - 400_000, lastDeliveryAt: null },
    });
    const { line } = evaluateCheck(ok(d), T0, warning, critical, alive);
    expect(line).not.toMatch(/[\r\n]/);
    expect(line.split('|')).toHaveLength(2);
  });
});

describe('-w / -c lists', () => {
  it('replace a default, drop one with off, leave the others', () => {
    expect(Object.keys(parseThresholds('down=10,behind=off', DEFAULT_WARNING)).sort()).toEqual(['age', 'down']);
    expect(parseThresholds('down=10', DEFAULT_WARNING).down?.end).toBe(10);
  });

  it.each(['10', 'speed=10', 'down=abc', 'down=5:1'])('reject %j, naming the problem', (text) => {
    expect(() => parseThresholds(text, DEFAULT_WARNING)).toThrow(ThresholdSyntaxError);
  });
});

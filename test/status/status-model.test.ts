import { describe, expect, it } from 'vitest';
import { statusDocumentSchema } from '../../src/status/status-document.js';
import { summaryLine } from '../../src/status/status-model.js';
import { doc, sinkStats, snapshot, sourceStats, T0 } from './fixtures.js';

describe('the status document', () => {
  it('carries version, pid, uptime, config, files, receiver, results, recent counts, busiest, checkpoint, counters', () => {
    const d = doc({
      pipeline: snapshot({
        sources: [
          {
            id: '/var/log/auth.log',
            kind: 'file',
            offset: 4000,
            bytesBehind: 96,
            stats: sourceStats({ rotations: 2, lastRotationAt: T0 - 60_000 }),
          },
        ],
        busiest: [
          {
            address: '203.0.113.9',
            daemon: 'sshd',
            service: 'sshd',
            host: 'web1',
            refusals: 12,
            pending: 11,
            windowEndsAt: T0 + 120_000,
          },
        ],
      }),
    });
    expect(statusDocumentSchema.parse(d)).toEqual(d);
    expect(d).toMatchObject({
      format: 1,
      version: '9.9.9',
      pid: 4242,
      state: 'running',
      startedAt: '2026-11-30T08:00:00.000Z',
      writtenAt: '2026-11-30T10:00:00.000Z',
      config: { file: '/etc/wrapwatch/wrapwatch.toml' },
      sources: [
        {
          id: '/var/log/auth.log',
          offset: 4000,
          size: 4096,
          bytesBehind: 96,
          lastRotationAt: '2026-11-30T09:59:00.000Z',
          rotations: 2,
        },
      ],
      receiver: {
        transport: 'nsca',
        endpoint: '192.0.2.5:5667',
        state: 'up',
        since: '2026-11-30T09:00:00.000Z',
        lastDeliveryAt: '2026-11-30T09:59:40.000Z',
        lastError: null,
      },
      results: { pending: 0, overflowed: 0, sent: 3, invalid: 0, refused: 0 },
      recent: { refusals: { m1: 1, m5: 14, m15: 30 } },
      busiest: [{ address: '203.0.113.9', refusals: 12, windowEndsAt: '2026-11-30T10:02:00.000Z' }],
      checkpoint: { lastCommitAt: '2026-11-30T09:59:59.000Z', lastError: null },
      counters: { refusals: 3, storms: 0 },
    });
  });

  it('keeps a receiver error on one line whatever it quoted', () => {
    const d = doc({
      pipeline: snapshot({
        sink: sinkStats({
          receiver: 'down',
          lastError: { at: T0, reason: 'unreachable', message: 'no route\nREADY=1 | fake=1' },
        }),
      }),
    });
    expect(d.receiver.lastError?.message).toBe('no route READY=1 / fake=1');
  });
});

describe('the STATUS= line', () => {
  it('says what is followed, how far behind, the receiver, pending results and recent refusals', () => {
    expect(summaryLine(doc(), T0)).toBe(
      'following 1 log, 0 B behind; receiver up; 0 pending; 14 refusals in the last 5 min',
    );
  });

  it('names a receiver that is down, for how long (in minutes, so the line changes rarely) and why', () => {
    const d = doc({
      pipeline: snapshot({
        sink: sinkStats({
          receiver: 'down',
          pending: 7,
          overflowed: 2,
          lastError: { at: T0, reason: 'unreachable', message: 'x' },
        }),
      }),
      receiver: { since: T0 - 185_000, lastDeliveryAt: null },
    });
    expect(summaryLine(d, T0)).toBe(
      'following 1 log, 0 B behind; receiver 192.0.2.5:5667 down for 3 min (unreachable); 7 pending (2 overflowed); 14 refusals in the last 5 min',
    );
    expect(summaryLine(d, T0 + 10_000)).toBe(summaryLine(d, T0));
  });

  it('prefixes a state other than running, and counts logs and the journal', () => {
    const d = doc({
      state: 'reloading',
      pipeline: snapshot({
        sources: [
          { id: '/var/log/auth.log', kind: 'file', offset: 1, bytesBehind: 1536, stats: sourceStats() },
          { id: '/var/log/secure', kind: 'file', offset: 1, bytesBehind: 0, stats: sourceStats() },
          { id: 'journal', kind: 'journal', offset: null, bytesBehind: 0, stats: sourceStats() },
        ],
      }),
      recent: { refusals: { m1: 0, m5: 1, m15: 1 }, results: { m1: 0, m5: 0, m15: 0 } },
    });
    expect(summaryLine(d, T0)).toBe(
      'reloading: following 2 logs and the journal, 1.5 KiB behind; receiver up; 0 pending; 1 refusal in the last 5 min',
    );
  });

  it('before the first delivery attempt', () => {
    expect(summaryLine(doc({ pipeline: snapshot({ sink: sinkStats({ receiver: 'unknown' }) }) }), T0)).toContain(
      'receiver not tried yet',
    );
  });
});

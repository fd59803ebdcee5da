import type { SourceStats } from '../../src/source/line-source.js';
import type { StatusDocument } from '../../src/status/status-document.js';
import { buildStatus, type PipelineSnapshot, type StatusInputs } from '../../src/status/status-model.js';
import type { ThrottleStats } from '../../src/throttle/throttle.js';
import type { SinkStats } from '../../src/types.js';

export const T0 = Date.parse('2026-11-30T10:00:00.000Z');

export const sourceStats = (over: Partial<SourceStats> = {}): SourceStats => ({
  lines: 10,
  bytes: 800,
  skipped: {},
  rotations: 0,
  truncations: 0,
  restarts: 0,
  lastRotationAt: null,
  ...over,
});

export const throttleStats: ThrottleStats = {
  events: 3,
  refusals: 3,
  reported: 3,
  pending: 0,
  ignored: 0,
  deduplicated: 0,
  folded: 0,
  heldBack: 0,
  results: { first: 3, 'follow-up': 0, storm: 0, overflow: 0, heartbeat: 0 },
  trackedKeys: 1,
  otherSources: 0,
  dedupWaiting: 0,
  dedupEvicted: 0,
  hostFallbacks: 0,
  storms: 0,
};

export const sinkStats = (over: Partial<SinkStats> = {}): SinkStats => ({
  receiver: 'up',
  pending: 0,
  sent: 3,
  overflowed: 0,
  invalid: 0,
  failures: 0,
  failuresByReason: {},
  refused: 0,
  transport: 'nsca',
  endpoint: '192.0.2.5:5667',
  receiverSince: T0 - 3_600_000,
  lastDeliveryAt: T0 - 20_000,
  lastError: null,
  ...over,
});

export function snapshot(over: Partial<PipelineSnapshot> = {}): PipelineSnapshot {
  return {
    sources: [{ id: '/var/log/auth.log', kind: 'file', offset: 4096, bytesBehind: 0, stats: sourceStats() }],
    throttle: throttleStats,
    busiest: [],
    sink: sinkStats(),
    checkpoint: { lastCommitAt: T0 - 1000, lastError: null },
    counters: { refusals: 3, storms: 0 },
    ...over,
  };
}

export function inputs(over: Partial<StatusInputs> = {}): StatusInputs {
  return {
    now: T0,
    version: '9.9.9',
    pid: 4242,
    state: 'running',
    startedAt: T0 - 7_200_000,
    intervalSeconds: 5,
    config: { file: '/etc/wrapwatch/wrapwatch.toml', loadedAt: T0 - 7_200_000 },
    pipeline: snapshot(),
    sizes: new Map([['/var/log/auth.log', 4096]]),
    receiver: { since: T0 - 3_600_000, lastDeliveryAt: T0 - 20_000 },
    recent: { refusals: { m1: 1, m5: 14, m15: 30 }, results: { m1: 1, m5: 3, m15: 3 } },
    ...over,
  };
}

export const doc = (over: Partial<StatusInputs> = {}): StatusDocument => buildStatus(inputs(over));

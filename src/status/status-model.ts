import type { SourceStats } from '../source/line-source.js';
import type { BusySource, ThrottleStats } from '../throttle/throttle.js';
import type { SinkStats } from '../types.js';
import { formatBytes, formatDuration, iso, oneLine } from './format.js';
import type { RecentCounts } from './recent-totals.js';
import type { ReceiverTimes } from './receiver-watch.js';
import type { DaemonState, StatusDocument } from './status-document.js';
import { STATUS_FORMAT } from './status-format.js';

/** What the daemon's stages report, taken at one moment (Daemon.snapshot()). */
export interface PipelineSnapshot {
  readonly sources: readonly {
    readonly id: string;
    readonly kind: 'file' | 'journal';
    /** Where reading has got to in the file being read; null for the journal or before the first read. */
    readonly offset: number | null;
    readonly bytesBehind: number;
    readonly stats: SourceStats;
  }[];
  readonly throttle: ThrottleStats;
  readonly busiest: readonly BusySource[];
  readonly sink: SinkStats;
  readonly checkpoint: { readonly lastCommitAt: number | null; readonly lastError: string | null };
  /** The stats log line's fields: every counter kept. */
  readonly counters: Readonly<Record<string, unknown>>;
}

/** Everything the status document is made of; times are epoch ms. */
export interface StatusInputs {
  readonly now: number;
  readonly version: string;
  readonly pid: number;
  readonly state: DaemonState;
  readonly startedAt: number;
  readonly intervalSeconds: number;
  readonly config: { readonly file: string; readonly loadedAt: number };
  readonly pipeline: PipelineSnapshot;
  /** The followed paths' sizes now (null: cannot be seen). */
  readonly sizes: ReadonlyMap<string, number | null>;
  readonly receiver: ReceiverTimes;
  readonly recent: { readonly refusals: RecentCounts; readonly results: RecentCounts };
}

/** A partial record of counts as a plain one (reasons never seen are left out). */
function countsOnly(partial: Readonly<Partial<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(partial)) if (typeof n === 'number') out[key] = n;
  return out;
}

export function buildStatus(inputs: StatusInputs): StatusDocument {
  const { pipeline, now } = inputs;
  const sink = pipeline.sink;
  const lastError = sink.lastError ?? null;
  return {
    format: STATUS_FORMAT,
    version: inputs.version,
    pid: inputs.pid,
    state: inputs.state,
    startedAt: iso(inputs.startedAt),
    writtenAt: iso(now),
    intervalSeconds: inputs.intervalSeconds,
    config: { file: inputs.config.file, loadedAt: iso(inputs.config.loadedAt) },
    sources: pipeline.sources.map((s) => ({
      id: s.id,
      kind: s.kind,
      offset: s.offset,
      size: inputs.sizes.get(s.id) ?? null,
      bytesBehind: s.bytesBehind,
      lastRotationAt:
        s.stats.lastRotationAt === undefined || s.stats.lastRotationAt === null ? null : iso(s.stats.lastRotationAt),
      rotations: s.stats.rotations,
      truncations: s.stats.truncations,
      lines: s.stats.lines,
    })),
    receiver: {
      transport: sink.transport ?? 'nsca',
      endpoint: sink.endpoint ?? '',
      state: sink.receiver,
      since: iso(inputs.receiver.since),
      lastDeliveryAt: inputs.receiver.lastDeliveryAt === null ? null : iso(inputs.receiver.lastDeliveryAt),
      lastError:
        lastError === null
          ? null
          : { at: iso(lastError.at), reason: lastError.reason, message: oneLine(lastError.message, 300) },
      failures: sink.failures,
      failuresByReason: countsOnly(sink.failuresByReason),
    },
    results: {
      pending: sink.pending,
      overflowed: sink.overflowed,
      sent: sink.sent,
      invalid: sink.invalid,
      refused: sink.refused,
    },
    recent: { refusals: { ...inputs.recent.refusals }, results: { ...inputs.recent.results } },
    busiest: pipeline.busiest.map((b) => ({ ...b, windowEndsAt: iso(b.windowEndsAt) })),
    checkpoint: {
      lastCommitAt: pipeline.checkpoint.lastCommitAt === null ? null : iso(pipeline.checkpoint.lastCommitAt),
      lastError: pipeline.checkpoint.lastError,
    },
    counters: { ...pipeline.counters },
  };
}

/**
 * The one line `systemctl status` shows (sd_notify STATUS=), e.g. `following 2 logs, 0 B behind;
 * receiver up; 0 pending; 14 refusals in the last 5 min`. Only what changes slowly goes in, so
 * an idle daemon's line stays the same and is not sent again.
 */
export function summaryLine(doc: StatusDocument, now: number): string {
  const files = doc.sources.filter((s) => s.kind === 'file').length;
  const journal = doc.sources.some((s) => s.kind === 'journal');
  const following = [files > 0 ? `${files} log${files === 1 ? '' : 's'}` : null, journal ? 'the journal' : null]
    .filter((p) => p !== null)
    .join(' and ');
  const behind = doc.sources.reduce((sum, s) => sum + s.bytesBehind, 0);
  const prefix = doc.state === 'running' ? '' : `${doc.state}: `;
  return [
    `${prefix}following ${following || 'nothing'}, ${formatBytes(behind)} behind`,
    receiverPhrase(doc, now),
    `${doc.results.pending} pending${doc.results.overflowed > 0 ? ` (${doc.results.overflowed} overflowed)` : ''}`,
    `${doc.recent.refusals.m5} refusal${doc.recent.refusals.m5 === 1 ? '' : 's'} in the last 5 min`,
  ].join('; ');
}

function receiverPhrase(doc: StatusDocument, now: number): string {
  const r = doc.receiver;
  switch (r.state) {
    case 'up':
      return 'receiver up';
    case 'unknown':
      return 'receiver not tried yet';
    case 'none (dry run)':
      return 'dry run, no receiver';
    case 'down': {
      // Minutes, not seconds: the line is re-sent only when it changes.
      const minutes = Math.floor((now - Date.parse(r.since)) / 60_000);
      const why = r.lastError === null ? '' : ` (${r.lastError.reason})`;
      return `receiver${r.endpoint === '' ? '' : ` ${oneLine(r.endpoint, 100)}`} down ${minutes < 1 ? 'for under a minute' : `for ${formatDuration(minutes * 60)}`}${why}`;
    }
    default: {
      const unknownState: never = r.state;
      return String(unknownState);
    }
  }
}

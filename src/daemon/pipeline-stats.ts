import type { NotReportedReason, RefusalKind, SinkStats, SkipReason } from '../types.js';
import type { SourceStats } from '../source/line-source.js';
import type { ThrottleStats } from '../throttle/throttle.js';

/** What the daemon counted itself: the parse stage sits between the source and the throttle. */
export class ParseCounters {
  refusals = 0;
  readonly byKind: Partial<Record<RefusalKind, number>> = {};
  /** Lines with a refusal phrase that were not reported, by why (see NotReportedReason). */
  readonly notReportedByReason: Partial<Record<NotReportedReason, number>> = {};

  notReported(reason: NotReportedReason): void {
    this.notReportedByReason[reason] = (this.notReportedByReason[reason] ?? 0) + 1;
  }

  refusal(kind: RefusalKind, count: number): void {
    this.refusals += count;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + count;
  }
}

export interface StatsInputs {
  readonly parse: ParseCounters;
  readonly sources: readonly { readonly id: string; readonly stats: SourceStats; readonly bytesBehind: number }[];
  readonly throttle: ThrottleStats;
  readonly sink: SinkStats;
}

function addCounts<K extends string>(
  into: Partial<Record<K, number>>,
  from: Readonly<Partial<Record<K, number>>>,
): void {
  for (const [key, n] of Object.entries(from) as [K, number][]) into[key] = (into[key] ?? 0) + n;
}

/**
 * The fields of the periodic stats line: one flat object, so `journalctl -o cat | jq` and
 * `wrapwatch log-pretty` both read it at a glance.
 */
export function statsFields(inputs: StatsInputs): Record<string, unknown> {
  const dropped: Partial<Record<SkipReason, number>> = {};
  for (const source of inputs.sources) addCounts(dropped, source.stats.skipped);
  return {
    linesRead: inputs.sources.reduce((sum, s) => sum + s.stats.lines, 0),
    refusals: inputs.parse.refusals,
    refusalsByKind: inputs.parse.byKind,
    resultsSent: inputs.sink.sent,
    refusalsReported: inputs.throttle.reported,
    refusalsFolded: inputs.throttle.pending,
    refusalsIgnored: inputs.throttle.ignored,
    refusalsDeduplicated: inputs.throttle.deduplicated,
    droppedLines: dropped,
    // Every line with a refusal phrase is either in `refusals` or here, under the reason.
    notReported: inputs.parse.notReportedByReason,
    receiver: inputs.sink.receiver,
    resultsPending: inputs.sink.pending,
    resultsOverflowed: inputs.sink.overflowed,
    deliveryFailures: inputs.sink.failures,
    resultsRefusedByReason: inputs.sink.refusedByReason ?? {},
    deliveryFailuresByReason: inputs.sink.failuresByReason,
    resultsRefused: inputs.sink.refused,
    bytesBehind: inputs.sources.reduce((sum, s) => sum + s.bytesBehind, 0),
    rotations: inputs.sources.reduce((sum, s) => sum + s.stats.rotations + s.stats.truncations, 0),
    // Everything else the stages count, so nothing counted goes unseen (issue 14).
    bytesRead: inputs.sources.reduce((sum, s) => sum + s.stats.bytes, 0),
    truncations: inputs.sources.reduce((sum, s) => sum + s.stats.truncations, 0),
    journalRestarts: inputs.sources.reduce((sum, s) => sum + s.stats.restarts, 0),
    events: inputs.throttle.events,
    refusalsHeldBack: inputs.throttle.heldBack,
    refusalsFoldedTotal: inputs.throttle.folded,
    resultsByReason: inputs.throttle.results,
    trackedSources: inputs.throttle.trackedKeys,
    otherSources: inputs.throttle.otherSources,
    dedupWaiting: inputs.throttle.dedupWaiting,
    dedupEvicted: inputs.throttle.dedupEvicted,
    hostFallbacks: inputs.throttle.hostFallbacks,
    storms: inputs.throttle.storms,
    resultsInvalid: inputs.sink.invalid,
  };
}

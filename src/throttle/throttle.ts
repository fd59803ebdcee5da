import { hostname } from 'node:os';
import type { FieldLimits } from '../sink/transport.js';
import type { Alert, Clock, Seq, SequencedEvent } from '../types.js';
import { XinetdPairs } from './dedup.js';
import { HeartbeatSchedule } from './heartbeat.js';
import { firstText, followUpText, heartbeatText, overflowText, stormText, withPerfdata } from './messages.js';
import { OverflowBucket } from './overflow.js';
import { RateCap } from './rate-cap.js';
import { DestinationResolver } from './destinations.js';
import { PeerViews } from './peer.js';
import { findRoute } from './rules.js';
import { nagiosHostName } from './sanitize.js';
import { settingsOf, type ThrottleInput, type ThrottleSettings } from './settings.js';
import { SourceTable, sourceKey, type Destination, type SourceEntry } from './source-table.js';
import { emptySpan, extendSpan } from './span.js';
import { StormState, sweepPending } from './storm.js';

/**
 * Storm control: turns refusal events into the few results a Nagios operator wants to see.
 *
 * How the daemon drives it (pure and synchronous: time comes only from the injected clock and
 * nothing is scheduled here):
 *   const throttle = new Throttle(config, clock, { fallbackHost, limits }); // throws ThrottleSettingsError
 *   sink.submit(throttle.offer({ seq, event }));       // per parsed refusal: results due now
 *   at throttle.nextDeadline(): sink.submit(throttle.tick()), then re-arm the one timer
 *   commit checkpoints below min(throttle.oldestPendingSeq(), the sink's oldest held seq)
 *   SIGHUP: throttle.reconfigure(next)                 // throws ThrottleSettingsError, keeps the old
 *   shutdown: sink.submit(throttle.flush())            // everything still folded
 * Every Alert is ready to send: host, service and output are checked and sanitised.
 *
 * Per event: xinetd pair dedup -> first matching `[[rule]]` (ignore, or where to report) ->
 * per-source coalescing -> global cap.
 *
 * Per source (Nagios destination, syslog host, daemon, service, address; IPv6 grouped by
 * `ipv6_prefix`): the first refusal is reported at once; later ones within the window (the
 * rule's `window_seconds`, else `throttle.window_seconds`) are folded, and when the window
 * closes one follow-up says how many more came and opens the next window, so a steady attacker
 * costs one result per window. A window that closes with nothing folded forgets the source.
 *
 * Global cap: at most `max_results_per_minute` results in any 60 s (rate-cap.ts). A result the
 * cap refuses is not queued: its refusals stay folded and a storm begins; every 60 s of storm
 * one summary sweeps up everything folded anywhere. Storm summaries are NOT counted against the
 * cap and are not refused by it: in any 60 s at most the cap's results plus one summary go out
 * (flush() may add its final summary sooner). Heartbeats do count against the cap.
 *
 * Counting: every refusal offered ends up in exactly one of `reported` (the sum of `refusals`
 * over all results), `pending` (folded, not yet reported), `ignored` (by a rule) or
 * `deduplicated` (the second line of an xinetd pair). `stats().refusals` equals their sum at
 * all times; after `flush()`, pending is 0.
 *
 * Memory: at most `max_tracked_sources` sources; new ones past that go to one "other sources"
 * bucket (counts and a distinct estimate only). The dedup table holds at most as many lines
 * (and at least 1024), a storm's top list `storm_top` entries, heartbeat destinations 1024.
 */

export interface ThrottleOptions {
  /** Nagios host for a result whose `{host}` gives no usable host name. Default: this machine's name. */
  readonly fallbackHost?: string;
  /** What the transport's results may carry (its FieldLimits): names are checked and output cut to these. */
  readonly limits: FieldLimits;
}

export interface ThrottleStats {
  /** SequencedEvents offered. */
  readonly events: number;
  /** Refusals offered: the sum of event counts ("message repeated N times" is N). */
  readonly refusals: number;
  /** Refusals reported in results (the sum of Alert.refusals). */
  readonly reported: number;
  /** Refusals folded and not yet in a result. */
  readonly pending: number;
  readonly ignored: number;
  readonly deduplicated: number;
  /** Refusals that were not sent the moment they were read (folded into a later result). */
  readonly folded: number;
  /** Times the cap refused a result (its refusals stayed folded). */
  readonly heldBack: number;
  readonly results: Readonly<Record<Alert['reason'], number>>;
  readonly trackedKeys: number;
  /** Refusals that went into the "other sources" bucket since start. */
  readonly otherSources: number;
  readonly dedupWaiting: number;
  /** Unpaired xinetd lines forgotten because the dedup table was full. */
  readonly dedupEvicted: number;
  /** Events whose `{host}` was unusable as a Nagios host name, reported under the fallback. */
  readonly hostFallbacks: number;
  readonly storms: number;
}

/** A source in its current window, for `wrapwatch status`. */
export interface BusySource {
  /** The address, or `prefix/len` for an IPv6 group. */
  readonly address: string;
  readonly daemon: string;
  readonly service: string;
  /** The syslog host that refused. */
  readonly host: string;
  /** Refusals since its window opened. */
  readonly refusals: number;
  /** Refusals folded, waiting for the window to close. */
  readonly pending: number;
  /** Epoch ms. */
  readonly windowEndsAt: number;
}

interface Result {
  readonly destination: Destination;
  readonly output: string;
  readonly refusals: number;
  readonly sources: number;
  readonly oldestSeq: Seq | null;
  readonly reason: Alert['reason'];
}

/**
 * Unpaired xinetd lines remembered: as many as tracked sources, and never so few that a small
 * `max_tracked_sources` would make every interleaved pair count twice.
 */
const dedupCapacity = (settings: ThrottleSettings) => Math.max(1024, settings.maxTrackedSources);

export class Throttle {
  private settings: ThrottleSettings;
  private readonly clock: Clock;
  private readonly table = new SourceTable();
  private readonly overflow = new OverflowBucket();
  private readonly storm = new StormState();
  private readonly cap: RateCap;
  private readonly pairs: XinetdPairs;
  private readonly heartbeats: HeartbeatSchedule;
  private readonly destinations: DestinationResolver;
  private peers: PeerViews;
  private readonly counts = {
    events: 0,
    refusals: 0,
    reported: 0,
    ignored: 0,
    deduplicated: 0,
    folded: 0,
    heldBack: 0,
    otherSources: 0,
  };
  private readonly results: Record<Alert['reason'], number> = {
    first: 0,
    'follow-up': 0,
    storm: 0,
    overflow: 0,
    heartbeat: 0,
  };

  /** Throws ThrottleSettingsError when the configuration did not go through the config compile step. */
  constructor(config: ThrottleInput, clock: Clock, options: ThrottleOptions) {
    this.settings = settingsOf(config, options.limits);
    this.clock = clock;
    this.destinations = new DestinationResolver(
      nagiosHostName(options.fallbackHost ?? hostname(), options.limits) ?? 'localhost',
      options.limits,
    );
    this.cap = new RateCap(this.settings.maxResultsPerMinute);
    this.pairs = new XinetdPairs(dedupCapacity(this.settings));
    this.heartbeats = new HeartbeatSchedule(this.settings.heartbeatMs);
    this.peers = new PeerViews(this.settings.ipv6Prefix);
    this.watchDefaultDestination(clock.now());
  }

  /**
   * Takes one event; returns the results to send now (including any whose time came first),
   * appended to `out` when given (a batch's events then share one array). `now` lets a batch
   * read the clock once for all its events: it is the same clock's time.
   */
  offer(item: SequencedEvent, out: Alert[] = [], now: number = this.clock.now()): Alert[] {
    this.runDue(now, out);
    this.accept(item, now, out);
    return out;
  }

  /** Results whose time has come: closed windows, storm summaries, heartbeats. */
  tick(): Alert[] {
    const out: Alert[] = [];
    this.runDue(this.clock.now(), out);
    return out;
  }

  /**
   * When `tick()` next has work (clock time), or null when nothing is scheduled. Right after
   * `tick()` it is always later than now; after `offer()` or `reconfigure()` it may already have
   * passed (a zero-length window, a heartbeat just turned on): then call `tick()` at once.
   */
  nextDeadline(): number | null {
    let next: number | null = null;
    for (const at of [
      this.table.nextWindowEnd(),
      this.overflow.windowEnd,
      this.storm.summaryAt,
      this.heartbeats.nextDue(),
    ]) {
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  /**
   * Shutdown: everything pending now. Follow-ups go out while the cap allows; whatever it
   * refuses goes into one final summary, so nothing folded is lost and the cap is still kept.
   */
  flush(): Alert[] {
    const now = this.clock.now();
    const out: Alert[] = [];
    this.runDue(now, out);
    for (const entry of [...this.table.pendingEntries()]) {
      if (this.cap.allows(now)) this.emitFollowUp(entry, now, out);
      else this.holdBack(now);
    }
    if (this.overflow.pending > 0) {
      if (this.cap.allows(now)) this.emitOverflow(now, out);
      else this.holdBack(now);
    }
    this.emitStormSummary(now, null, out);
    this.storm.end();
    return out;
  }

  /** Lowest seq of any refusal folded but not yet in an emitted result: commit only below it. */
  oldestPendingSeq(): Seq | null {
    const tracked = this.table.oldestPendingSeq();
    const untracked = this.overflow.oldestSeq;
    if (tracked === null) return untracked;
    return untracked === null ? tracked : Math.min(tracked, untracked);
  }

  /**
   * SIGHUP: new rules, templates and limits for what comes next. Counts, open windows (with the
   * length they opened with), folded refusals, the cap's recent history and any storm are kept.
   * Throws ThrottleSettingsError and changes nothing when the configuration cannot be used.
   */
  reconfigure(config: ThrottleInput, limits: FieldLimits = this.settings.limits): void {
    const next = settingsOf(config, limits);
    this.settings = next;
    this.destinations.clear(next.limits);
    this.peers = new PeerViews(next.ipv6Prefix);
    this.cap.resize(next.maxResultsPerMinute);
    this.pairs.resize(dedupCapacity(next));
    this.heartbeats.changeInterval(next.heartbeatMs);
    // A renamed host or service must not go on receiving OKs from us; "{host}" routes keep theirs.
    const routes = [next.defaultRoute, ...next.rules.map((rule) => rule.route)];
    this.heartbeats.retain((target) =>
      routes.some(
        (route) =>
          route.service === target.service &&
          (route.hostName.literal === null || route.hostName.literal === target.host),
      ),
    );
    this.watchDefaultDestination(this.clock.now());
  }

  stats(): ThrottleStats {
    return {
      ...this.counts,
      pending: this.table.pendingRefusals + this.overflow.pending,
      results: { ...this.results },
      trackedKeys: this.table.size,
      dedupWaiting: this.pairs.size,
      dedupEvicted: this.pairs.evicted,
      hostFallbacks: this.destinations.fallbacks,
      storms: this.storm.started,
    };
  }

  busiestSources(limit: number): BusySource[] {
    return this.table.busiest(limit).map((e) => ({
      address: e.address,
      daemon: e.daemon,
      service: e.service,
      host: e.host,
      refusals: e.windowRefusals,
      pending: e.pending,
      windowEndsAt: e.windowEnd,
    }));
  }

  private accept({ seq, event }: SequencedEvent, now: number, out: Alert[]): void {
    // A line stands for at least one refusal; the parser only produces positive integers.
    const count = Number.isSafeInteger(event.count) && event.count > 1 ? event.count : 1;
    this.counts.events++;
    this.counts.refusals += count;
    const duplicates = this.pairs.duplicates(event, count, now);
    this.counts.deduplicated += duplicates;
    const refusals = count - duplicates;
    if (refusals === 0) return;

    const s = this.settings;
    const peer = this.peers.view(event.peer, event.client);
    const route = findRoute(s.rules, s.defaultRoute, event, peer.clientAddress);
    if (route.ignore) {
      this.counts.ignored += refusals;
      return;
    }
    const destination = this.destinations.resolve(route, event);
    const addressKey = peer.key;
    const service = event.service ?? event.daemon;
    // The syslog host is part of the key even when all results go to one Nagios host: the same
    // attacker refused by web1 and by web2 is two things a sysadmin wants to read about.
    const known = this.table.find(destination, event.host, event.daemon, service, addressKey);
    if (known !== undefined) {
      this.table.addPending(known, seq, event, refusals, peer.text);
      this.counts.folded += refusals;
      return;
    }
    if (this.table.size >= s.maxTrackedSources) {
      const key = sourceKey(destination, event.host, event.daemon, service, addressKey);
      this.overflow.add(key, seq, event, refusals, destination, now, s.windowMs);
      this.counts.otherSources += refusals;
      this.counts.folded += refusals;
      return;
    }
    const entry = this.table.create(
      {
        destination,
        windowMs: route.windowMs,
        daemon: event.daemon,
        service,
        addressKey,
        address: peer.text,
        client: event.client,
        host: event.host,
      },
      now,
    );
    if (!this.cap.allows(now)) {
      this.table.addPending(entry, seq, event, refusals, peer.text);
      this.counts.folded += refusals;
      this.holdBack(now);
      return;
    }
    const span = emptySpan();
    extendSpan(span, seq, event);
    entry.reported = true;
    entry.windowRefusals = refusals;
    this.emit(out, now, {
      destination,
      output: firstText(s.output, entry, refusals, span, s.zone),
      refusals,
      sources: 1,
      oldestSeq: seq,
      reason: 'first',
    });
  }

  /** Runs everything due at or before `now`, earliest first. */
  private runDue(now: number, out: Alert[]): void {
    for (;;) {
      const windowAt = this.table.nextWindowEnd();
      const overflowAt = this.overflow.windowEnd;
      const stormAt = this.storm.summaryAt;
      const heartbeatAt = this.heartbeats.nextDue();
      // On a tie the storm summary goes first: it sweeps up the windows closing with it, so the
      // summary names the real top talkers instead of competing with their follow-ups for the cap.
      let due: 'window' | 'overflow' | 'storm' | 'heartbeat' | null = null;
      let at = now;
      if (stormAt !== null && stormAt <= at) [due, at] = ['storm', stormAt];
      if (windowAt !== null && windowAt <= at && (due === null || windowAt < at)) [due, at] = ['window', windowAt];
      if (overflowAt !== null && overflowAt <= at && (due === null || overflowAt < at))
        [due, at] = ['overflow', overflowAt];
      if (heartbeatAt !== null && heartbeatAt <= at && (due === null || heartbeatAt < at)) due = 'heartbeat';
      switch (due) {
        case null:
          return;
        case 'window':
          this.closeWindow(now, out);
          break;
        case 'overflow':
          this.closeOverflow(now, out);
          break;
        case 'storm':
          this.stormPeriodEnds(now, out);
          break;
        case 'heartbeat':
          this.heartbeat(now, out);
          break;
      }
    }
  }

  private closeWindow(now: number, out: Alert[]): void {
    const entry = this.table.popClosed(now);
    if (entry === null) return;
    if (entry.pending === 0) {
      this.table.remove(entry);
    } else if (this.cap.allows(now)) {
      this.emitFollowUp(entry, now, out);
      this.table.renew(entry, now + entry.windowMs);
    } else {
      // The storm summary will sweep it up; retrying at every freed cap slot instead would make
      // thousands of held-back sources compete for each slot, over and over.
      this.table.renew(entry, Math.max(now + entry.windowMs, this.holdBack(now)));
    }
  }

  private closeOverflow(now: number, out: Alert[]): void {
    if (this.cap.allows(now)) {
      this.emitOverflow(now, out);
    } else {
      this.overflow.windowEnd = Math.max(now + this.settings.windowMs, this.holdBack(now));
    }
  }

  private stormPeriodEnds(now: number, out: Alert[]): void {
    const periodMs = now - this.storm.periodStart;
    if (this.storm.closePeriod(now)) this.emitStormSummary(now, periodMs, out);
  }

  private heartbeat(now: number, out: Alert[]): void {
    const target = this.heartbeats.dueTarget();
    if (target === null) return;
    if (!this.cap.allows(now)) {
      this.heartbeats.blockUntil(this.cap.nextFreeAt());
      return;
    }
    this.emit(out, now, {
      destination: { host: target.host, service: target.service, status: 0 },
      output: heartbeatText(this.heartbeats.intervalSeconds),
      refusals: 0,
      sources: 0,
      oldestSeq: null,
      reason: 'heartbeat',
    });
  }

  private emitFollowUp(entry: SourceEntry, now: number, out: Alert[]): void {
    const reportedBefore = entry.reported;
    const { refusals, span } = this.table.drain(entry);
    const s = this.settings;
    this.emit(out, now, {
      destination: entry.destination,
      output: followUpText(s.output, entry, refusals, span, reportedBefore, s.zone),
      refusals,
      sources: 1,
      oldestSeq: span.oldestSeq,
      reason: 'follow-up',
    });
  }

  private emitOverflow(now: number, out: Alert[]): void {
    const drained = this.overflow.drain();
    if (drained === null) return;
    this.emit(out, now, {
      destination: drained.destination,
      output: overflowText(drained, this.settings.maxTrackedSources, this.settings.zone),
      refusals: drained.refusals,
      sources: drained.sources,
      oldestSeq: drained.span.oldestSeq,
      reason: 'overflow',
    });
  }

  /** Sweeps every pending refusal into one summary; `periodMs` null at shutdown. */
  private emitStormSummary(now: number, periodMs: number | null, out: Alert[]): void {
    const sweep = sweepPending(this.table, this.overflow, this.settings.stormTop);
    if (sweep === null) return;
    this.emit(out, now, {
      destination: sweep.destination,
      output: stormText(sweep, periodMs, this.settings.zone),
      refusals: sweep.refusals,
      sources: sweep.sources,
      oldestSeq: sweep.span.oldestSeq,
      reason: 'storm',
    });
  }

  /** The cap refused a result: its refusals stay folded for the storm summary, due at the time returned. */
  private holdBack(now: number): number {
    this.counts.heldBack++;
    return this.storm.holdBack(now);
  }

  private emit(out: Alert[], now: number, result: Result): void {
    const { destination, refusals, sources, reason } = result;
    out.push({
      host: destination.host,
      service: destination.service,
      status: destination.status,
      output: withPerfdata(result.output, refusals, sources, this.settings.limits),
      refusals,
      sources,
      oldestSeq: result.oldestSeq,
      reason,
    });
    // The summary is the one result allowed past the cap; counting it would let a storm starve
    // the next minute's individual results.
    if (reason !== 'storm') this.cap.record(now);
    this.heartbeats.sent(destination.host, destination.service, now);
    this.results[reason]++;
    this.counts.reported += refusals;
  }

  private watchDefaultDestination(now: number): void {
    const route = this.settings.defaultRoute;
    if (route.hostName.literal !== null) this.heartbeats.watch(route.hostName.literal, route.service, now);
  }
}

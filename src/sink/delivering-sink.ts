import PQueue from 'p-queue';
import type {
  Alert,
  DeliveryErrorSummary,
  Logger,
  ResultSink,
  Seq,
  SinkSettings,
  SinkStats,
  SinkTarget,
} from '../types.js';
import { realScheduler, type Scheduler, type Timer } from '../time/scheduler.js';
import { Backoff } from './backoff.js';
import { InvalidResultError } from './errors.js';
import { failureHeadline, failureLevel, transportLabel } from './failure-log.js';
import { OverflowSummaries } from './overflow-summaries.js';
import type { DeliveryFailure, DeliveryReport, DeliveryStream, FailureReason, Transport } from './transport.js';

export interface DeliveringSinkOptions {
  readonly target: SinkTarget;
  readonly logger: Logger;
  /** Results handed to one delivery at first: bounds how much one failed attempt has to resend. */
  readonly batchSize?: number;
  readonly random?: () => number;
  /** Clock and the retry timer; the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** Called when the receiver goes up or down, so the status file shows it at once. */
  readonly onReceiverChange?: (receiver: 'up' | 'down') => void;
}

/** A result waiting, with what the transport made of it (and which transport, should it change). */
interface Pending {
  readonly alert: Alert;
  prepared: unknown;
  by: Transport<unknown>;
}

/** Deliveries at once: one taking results, one waiting for the receiver's proof of the previous batch. */
const MAX_DELIVERIES = 2;

/**
 * Delivers results through a transport and rides out the receiver's outages; knows nothing of
 * any wire format.
 *
 * - A result counts as delivered only when the transport reports it confirmed: the receiver
 *   proved it consumed it. Everything else stays pending (and, through `oldestPendingSeq`,
 *   uncommitted) and goes out again after an exponential backoff with jitter (at-least-once:
 *   duplicates over loss).
 * - One delivery takes results at a time; results that come while it is open may join it (the
 *   transport's stream). Once it takes no more (`onWritten`), the next may start while it waits
 *   for its proof, so that wait adds no latency. A p-queue of concurrency 2 runs them.
 * - At most `max_pending_results` results wait; past that, new results fold into per-host/
 *   service summaries (counts only: memory stays bounded) sent when the receiver is back. Folded
 *   results keep their oldest sequence number, so nothing they stand for is committed early.
 * - A transport that throws (a bug: receiver problems are reported, not thrown) is caught,
 *   logged, and its batch treated as unconfirmed: the sink goes on, nothing is lost.
 * - Each kind of failure is warned about once per outage; wrong credentials are errors each time,
 *   since only the operator can fix them.
 * - A result the receiver refuses for good (Icinga 2: no such object) is dropped, counted by its
 *   reason, and logged once per reason, host and service (with what to define), not per result.
 */
export class DeliveringSink implements ResultSink {
  private readonly queue = new PQueue({ concurrency: MAX_DELIVERIES });
  private readonly pending: Pending[] = [];
  /** Batches taken from `pending` by deliveries still running (writing or awaiting proof). */
  private readonly inFlight = new Set<Pending[]>();
  /** Deliveries running per transport: a replaced transport is closed when its last one ends. */
  private readonly running = new Map<Transport<unknown>, number>();
  private readonly retired = new Set<Transport<unknown>>();
  /** A delivery is taking results (or about to): the next one waits for its `onWritten`. */
  private writing = false;
  /** The delivery taking results, to wake when new ones arrive. */
  private taker: (() => void) | null = null;
  private readonly overflow = new OverflowSummaries();
  private transport: Transport<unknown>;
  private settings: SinkSettings;
  private backoff: Backoff;
  private retryTimer: Timer | null = null;
  private closed = false;
  private receiver: SinkStats['receiver'] = 'unknown';
  private downSince = 0;
  /** For `wrapwatch status`: since when `receiver` holds, the last confirmed delivery, the last failure. */
  private receiverSince: number | null = null;
  private lastDeliveryAt: number | null = null;
  private lastError: DeliveryErrorSummary | null = null;
  /** Failure kinds already warned about in this outage. */
  private readonly warned = new Set<FailureReason>();
  /** Results folded into the summaries since they were last queued (overflow.size counts summaries). */
  private foldedResults = 0;
  private readonly counts = { sent: 0, overflowed: 0, invalid: 0, failures: 0, refused: 0 };
  private readonly failuresByReason: Partial<Record<FailureReason, number>> = {};
  private readonly refusedByReason: Record<string, number> = {};
  /** reason + host + service of refusals already logged; bounded, since host names come from logs. */
  private readonly refusalsLogged = new Set<string>();

  constructor(private readonly options: DeliveringSinkOptions) {
    this.transport = options.target.transport;
    this.settings = options.target.settings;
    this.backoff = this.newBackoff();
  }

  retarget(target: SinkTarget): void {
    if (target.transport !== this.transport) this.retire(this.transport);
    this.transport = target.transport;
    this.settings = target.settings;
    this.backoff = this.newBackoff();
    // What the old receiver or password did says nothing about the new one.
    this.warned.clear();
    // A new receiver or password deserves a try now, not after the old backoff.
    this.clearRetry();
    this.schedule();
  }

  submit(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      const entry = this.prepare(alert, this.transport);
      if (entry === null) continue;
      if (this.pending.length + this.inFlightResults() < this.settings.max_pending_results) this.pending.push(entry);
      else {
        this.counts.overflowed++;
        this.foldedResults++;
        this.overflow.fold(alert, this.now());
      }
    }
    if (this.taker !== null) this.taker();
    else this.schedule();
  }

  oldestPendingSeq(): Seq | null {
    let oldest: Seq | null = this.overflow.oldestSeq();
    for (const batch of [this.pending, ...this.inFlight]) {
      for (const { alert } of batch) {
        if (alert.oldestSeq !== null && (oldest === null || alert.oldestSeq < oldest)) oldest = alert.oldestSeq;
      }
    }
    return oldest;
  }

  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (!this.isEmpty() && !this.closed) {
      const left = deadline - this.now();
      if (left <= 0) break;
      // At shutdown, try at once rather than waiting out the backoff.
      this.clearRetry();
      this.schedule();
      const idle = new AbortController();
      await Promise.race([this.queue.onIdle(), this.scheduler.sleep(left, idle.signal)]);
      idle.abort();
      if (!this.isEmpty() && this.receiver === 'down')
        await this.scheduler.sleep(Math.min(200, Math.max(0, deadline - this.now())));
    }
    return this.isEmpty();
  }

  /** Stops retrying and ends deliveries under way (their results stay pending, uncommitted). */
  async close(): Promise<void> {
    this.closed = true;
    this.clearRetry();
    this.queue.clear();
    await Promise.all([this.transport, ...this.retired].map((t) => this.closeTransport(t)));
    await this.queue.onIdle();
  }

  stats(): SinkStats {
    return {
      receiver: this.receiver,
      pending: this.pending.length + this.inFlightResults() + this.overflow.size,
      ...this.counts,
      failuresByReason: { ...this.failuresByReason },
      refusedByReason: { ...this.refusedByReason },
      transport: this.transport.type,
      endpoint: this.transport.endpoint,
      receiverSince: this.receiverSince,
      lastDeliveryAt: this.lastDeliveryAt,
      lastError: this.lastError,
    };
  }

  private newBackoff(): Backoff {
    return new Backoff(
      this.settings.reconnect_min_seconds * 1000,
      this.settings.reconnect_max_seconds * 1000,
      this.options.random,
    );
  }

  private get scheduler(): Scheduler {
    return this.options.scheduler ?? realScheduler;
  }

  private now(): number {
    return this.scheduler.now();
  }

  private get label(): string {
    return transportLabel(this.transport.type);
  }

  /** The entry for a result, or null when it breaks the transport's field rules (logged, counted). */
  private prepare(alert: Alert, transport: Transport<unknown>): Pending | null {
    try {
      return { alert, prepared: transport.prepare(alert), by: transport };
    } catch (err) {
      this.counts.invalid++;
      const fields = {
        host: alert.host,
        service: alert.service,
        refusals: alert.refusals,
        problem: err instanceof Error ? err.message : String(err),
      };
      // The throttle sanitises every field, so this is a bug or an odd config: say which.
      if (err instanceof InvalidResultError)
        this.options.logger.error(
          fields,
          `result breaks the ${transportLabel(transport.type)} field rules and was dropped`,
        );
      else this.options.logger.error(fields, 'cannot prepare a result (a bug); it was dropped');
      return null;
    }
  }

  /** Takes up to `n` results for `transport`, preparing anew those prepared for a replaced one. */
  private take(n: number, transport: Transport<unknown>): Pending[] {
    const out: Pending[] = [];
    for (const entry of this.pending.splice(0, n)) {
      if (entry.by === transport) out.push(entry);
      else {
        const again = this.prepare(entry.alert, transport);
        if (again !== null) out.push(again);
      }
    }
    return out;
  }

  private inFlightResults(): number {
    let n = 0;
    for (const batch of this.inFlight) n += batch.length;
    return n;
  }

  private isEmpty(): boolean {
    return this.pending.length === 0 && this.inFlight.size === 0 && this.overflow.size === 0;
  }

  private clearRetry(): void {
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  /** Starts a delivery unless one is taking results, both slots are busy, or a backoff runs. */
  private schedule(): void {
    if (this.closed || this.retryTimer !== null || this.writing || this.pending.length === 0) return;
    if (this.queue.size + this.queue.pending >= MAX_DELIVERIES) return;
    this.writing = true;
    void this.queue.add(() => this.deliverOnce());
  }

  private async deliverOnce(): Promise<void> {
    const transport = this.transport;
    const batchSize = this.options.batchSize ?? 500;
    const batch = this.closed ? [] : this.take(batchSize, transport);
    if (batch.length === 0) {
      this.writing = false;
      this.schedule();
      return;
    }
    this.inFlight.add(batch);
    this.running.set(transport, (this.running.get(transport) ?? 0) + 1);
    // This delivery holds the taking turn until the transport takes no more (or it ends).
    let holdsTurn = true;
    const releaseTurn = (): void => {
      if (!holdsTurn) return;
      holdsTurn = false;
      this.writing = false;
      this.taker = null;
      this.schedule();
    };
    const stream: DeliveryStream<unknown> = {
      take: () => {
        if (!holdsTurn || this.closed) return [];
        const more = this.take(batchSize, transport);
        batch.push(...more);
        return more.map((p) => p.prepared);
      },
      subscribe: (wake) => {
        if (holdsTurn) this.taker = wake;
      },
    };
    const report = await this.deliverSafely(transport, batch, { onWritten: releaseTurn, stream });
    this.inFlight.delete(batch);
    this.settle(batch, report);
    releaseTurn();
    this.finishedWith(transport);
    this.schedule();
  }

  /** The transport's report; a throw (a bug) is logged and becomes an unconfirmed batch. */
  private async deliverSafely(
    transport: Transport<unknown>,
    batch: readonly Pending[],
    hooks: { onWritten: () => void; stream: DeliveryStream<unknown> },
  ): Promise<DeliveryReport> {
    try {
      return await transport.deliver(
        batch.map((p) => p.prepared),
        hooks,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.options.logger.error(
        { receiver: transport.endpoint, error: message, stack: err instanceof Error ? err.stack : undefined },
        'unexpected error while delivering (a bug); the results are kept and retried',
      );
      return {
        confirmed: 0,
        refused: [],
        failure: { reason: 'unconfirmed', message: `delivery failed unexpectedly: ${message}`, cause: err },
      };
    }
  }

  /** Counts what was confirmed; puts the rest back at the front, ahead of anything newer. */
  private settle(batch: Pending[], report: DeliveryReport): void {
    const confirmed = Math.max(0, Math.min(batch.length, Math.floor(report.confirmed)));
    let refused = 0;
    for (const r of report.refused) {
      const entry = r.index < confirmed ? batch[r.index] : undefined;
      if (entry === undefined) continue;
      refused++;
      this.refusedByReason[r.reason] = (this.refusedByReason[r.reason] ?? 0) + 1;
      const key = JSON.stringify([r.reason, entry.alert.host, entry.alert.service]);
      if (this.refusalsLogged.has(key)) continue;
      if (this.refusalsLogged.size >= 1000) this.refusalsLogged.clear();
      this.refusalsLogged.add(key);
      this.options.logger.error(
        {
          receiver: this.transport.endpoint,
          reason: r.reason,
          host: entry.alert.host,
          service: entry.alert.service,
          refusals: entry.alert.refusals,
          problem: r.message,
        },
        `${this.label} receiver refused a result for good; it was dropped (logged once per host and service; counted in stats resultsRefusedByReason)`,
      );
    }
    this.counts.refused += refused;
    this.counts.sent += confirmed - refused;
    const rest = batch.slice(confirmed);
    // Back to the front: at-least-once, in order.
    this.pending.unshift(...rest);
    let failure = report.failure;
    if (failure === null && rest.length > 0) {
      failure = {
        reason: 'unconfirmed',
        message: `${this.label} receiver confirmed ${confirmed} of ${batch.length} results and gave no reason for the rest`,
      };
    }
    if (this.closed) return;
    if (failure !== null) this.onFailure(failure, batch.length);
    else this.onDelivered(batch.length);
  }

  private onDelivered(delivered: number): void {
    if (this.receiver === 'down') {
      this.options.logger.info(
        {
          receiver: this.transport.endpoint,
          downSeconds: Math.round((this.now() - this.downSince) / 1000),
          heldResults: this.pending.length + delivered,
          foldedResults: this.foldedResults,
        },
        `${this.label} receiver is back; sending what was held`,
      );
    }
    this.queueSummaries();
    this.lastDeliveryAt = this.now();
    const changed = this.receiver !== 'up';
    if (changed) this.receiverSince = this.lastDeliveryAt;
    this.receiver = 'up';
    this.warned.clear();
    this.backoff.reset();
    if (changed) this.options.onReceiverChange?.('up');
  }

  /**
   * Once a delivery worked, folded counts join the queue behind the results held before them
   * (first in, first out), a few entries beyond `max_pending_results` at most (one per host/service).
   */
  private queueSummaries(): void {
    for (const alert of this.overflow.take(this.label)) {
      const entry = this.prepare(alert, this.transport);
      if (entry !== null) this.pending.push(entry);
    }
    this.foldedResults = 0;
  }

  private onFailure(failure: DeliveryFailure, batchSize: number): void {
    this.counts.failures++;
    this.failuresByReason[failure.reason] = (this.failuresByReason[failure.reason] ?? 0) + 1;
    const delay = this.backoff.next();
    const fields = {
      receiver: this.transport.endpoint,
      kind: failure.reason,
      batch: batchSize,
      heldResults: this.pending.length,
      foldedResults: this.foldedResults,
      retryInSeconds: Math.round(delay / 100) / 10,
      error: failure.message,
    };
    const headline = failureHeadline(failure, this.label);
    const level = failureLevel(failure.reason);
    if (level === 'error') this.options.logger.error(fields, headline);
    else if (!this.warned.has(failure.reason)) {
      this.warned.add(failure.reason);
      this.options.logger.warn(fields, headline);
    } else this.options.logger.debug(fields, headline);
    const changed = this.receiver !== 'down';
    if (changed) this.downSince = this.receiverSince = this.now();
    this.receiver = 'down';
    this.lastError = { at: this.now(), reason: failure.reason, message: failure.message };
    if (changed) this.options.onReceiverChange?.('down');
    this.clearRetry();
    this.retryTimer = this.scheduler
      .timeout(() => {
        this.retryTimer = null;
        this.schedule();
      }, delay)
      .unref();
  }

  private retire(transport: Transport<unknown>): void {
    if ((this.running.get(transport) ?? 0) === 0) void this.closeTransport(transport);
    else this.retired.add(transport);
  }

  private finishedWith(transport: Transport<unknown>): void {
    const left = (this.running.get(transport) ?? 1) - 1;
    if (left > 0) {
      this.running.set(transport, left);
      return;
    }
    this.running.delete(transport);
    if (this.retired.delete(transport)) void this.closeTransport(transport);
  }

  /** Never rejects: a transport that fails to close is logged, not fatal. */
  private async closeTransport(transport: Transport<unknown>): Promise<void> {
    try {
      await transport.close();
    } catch (err) {
      this.options.logger.warn(
        { receiver: transport.endpoint, error: err instanceof Error ? err.message : String(err) },
        `cannot close the ${transportLabel(transport.type)} transport cleanly`,
      );
    }
  }
}

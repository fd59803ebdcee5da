import PQueue from 'p-queue';
import type { Alert, DeliveryErrorSummary, Logger, ReceiverSettings, ResultSink, Seq, SinkStats } from '../types.js';
import { Backoff } from './backoff.js';
import { OverflowSummaries } from './overflow-summaries.js';
import { InvalidResultError, NscaClosedEarlyError, NscaDeliveryError, NscaRejectedError } from './nsca/errors.js';
import { prepareResult, type PreparedResult } from './nsca/fields.js';
import { clientOptionsFromConfig, formatEndpoint, sendPrepared, type ResultStream, type SendReport } from './nsca/client.js';

/** What a delivery tells the sender besides the batch (see NscaClientOptions). */
export interface DeliveryHooks {
  /** The connection takes no more results and everything is written. */
  readonly onWritten: () => void;
  /** Results that arrive while the connection is open. */
  readonly stream: ResultStream;
}

/** Sends one batch (and what the stream hands over) over one connection; `sendPrepared` in production. */
export type SendBatch = (batch: readonly PreparedResult[], hooks?: DeliveryHooks) => Promise<SendReport>;

/** Builds the batch sender for a receiver (tests pass a fake receiver here). */
export type SenderFactory = (settings: ReceiverSettings) => SendBatch;

export const nscaSender: SenderFactory = (settings) => {
  const options = clientOptionsFromConfig(settings);
  return (batch, hooks) => sendPrepared(batch, { ...options, ...hooks });
};

export interface NscaSinkOptions {
  readonly receiver: ReceiverSettings;
  readonly logger: Logger;
  readonly sender?: SenderFactory;
  /** Results per connection: bounds how much one failed attempt has to resend. */
  readonly batchSize?: number;
  readonly random?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => NodeJS.Timeout;
  readonly now?: () => number;
}

interface Pending {
  readonly alert: Alert;
  readonly prepared: PreparedResult;
}

/** Connections open at once: one taking results, one still watching for a rejection after its last packet. */
const MAX_CONNECTIONS = 2;
/** One connection carries at most this many results, or stays open this long, before it is confirmed. */
const STREAM_MAX_RESULTS = 1000;
const STREAM_MAX_OPEN_MS = 5000;

/**
 * Delivers results to the NSCA receiver and rides out its outages.
 *
 * - One connection takes results at a time, and results that come while it is open go out on
 *   it at once (the Debian nsca is a single process: results arrive in order and never
 *   compete). NSCA never acknowledges; a connection's results count as delivered once it has
 *   gone `linger_ms` without a hang-up after its last packet. A connection that takes no more
 *   results only waits out that linger; the next one may start meanwhile, so the wait adds no
 *   latency. A p-queue of concurrency 2 runs the attempts; `drain()` waits on its `onIdle()`.
 * - A failed attempt keeps the batch at the front and retries after an exponential backoff
 *   with jitter; NSCA has no acknowledgement, so after a failure nothing of the batch is
 *   assumed delivered (duplicates over loss: at-least-once).
 * - At most `maxPending` results wait; past that, new results fold into per-host/service
 *   summaries (counts only, so memory stays bounded whatever the outage's length) that are
 *   sent when the receiver is back. Folded results keep their oldest sequence number, so
 *   nothing they account for is committed before the summary is delivered.
 */
export class NscaSink implements ResultSink {
  private readonly queue = new PQueue({ concurrency: MAX_CONNECTIONS });
  private readonly pending: Pending[] = [];
  /** Batches taken from `pending` by deliveries still running (writing or lingering). */
  private readonly inFlight = new Set<readonly Pending[]>();
  /** A delivery is writing (or about to): the next one waits for its last packet. */
  private writing = false;
  /** The connection taking results, to wake when new ones arrive. */
  private taker: (() => void) | null = null;
  private readonly overflow: OverflowSummaries;
  private backoff: Backoff;
  private send: SendBatch;
  private endpoint: string;
  private maxPending: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private receiver: SinkStats['receiver'] = 'unknown';
  private receiverSince: number | null = null;
  private lastDeliveryAt: number | null = null;
  private lastError: DeliveryErrorSummary | null = null;
  private readonly failuresByReason: Record<string, number> = {};
  private downSince = 0;
  /** The last failed attempt was hung up on (see onFailure); reset by a delivery. */
  private hungUpBefore = false;
  /** The current outage was already reported as the receiver being unreachable. */
  private outageWarned = false;
  /** Results folded into the summaries since they were last queued (overflow.size counts summaries). */
  private foldedResults = 0;
  private counts = { sent: 0, overflowed: 0, invalid: 0, failures: 0 };

  constructor(private readonly options: NscaSinkOptions) {
    this.overflow = new OverflowSummaries();
    const r = options.receiver;
    this.send = (options.sender ?? nscaSender)(r);
    this.endpoint = formatEndpoint(r.host, r.port);
    this.maxPending = r.max_pending_results;
    this.backoff = new Backoff(r.reconnect_min_seconds * 1000, r.reconnect_max_seconds * 1000, options.random);
  }

  retarget(settings: ReceiverSettings): void {
    this.send = (this.options.sender ?? nscaSender)(settings);
    this.endpoint = formatEndpoint(settings.host, settings.port);
    this.maxPending = settings.max_pending_results;
    this.backoff = new Backoff(settings.reconnect_min_seconds * 1000, settings.reconnect_max_seconds * 1000, this.options.random);
    // What the old receiver or password did says nothing about the new one.
    this.hungUpBefore = false;
    this.outageWarned = false;
    // A new receiver or password deserves a try now, not after the old backoff.
    this.clearRetry();
    this.schedule();
  }

  submit(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      let prepared: PreparedResult;
      try {
        prepared = prepareResult(alert);
      } catch (err) {
        if (!(err instanceof InvalidResultError)) throw err;
        // The throttle sanitises every field, so this is a bug or an odd config: say which.
        this.counts.invalid++;
        this.options.logger.error({ host: alert.host, service: alert.service, problem: err.message, refusals: alert.refusals }, 'result breaks the NSCA field rules and was dropped');
        continue;
      }
      if (this.pending.length + this.inFlightResults() < this.maxPending) this.pending.push({ alert, prepared });
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
      const idle = this.queue.onIdle();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
      if (!this.isEmpty() && this.receiver === 'down') await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - this.now()))));
    }
    return this.isEmpty();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearRetry();
    this.queue.clear();
    await this.queue.onIdle();
  }

  stats(): SinkStats {
    return {
      receiver: this.receiver,
      pending: this.pending.length + this.inFlightResults() + this.overflow.size,
      ...this.counts,
      transport: 'nsca',
      endpoint: this.endpoint,
      receiverSince: this.receiverSince,
      lastDeliveryAt: this.lastDeliveryAt,
      lastError: this.lastError,
      failuresByReason: { ...this.failuresByReason },
    };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
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
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * Starts a delivery unless one is writing, both connections are busy, or a backoff is being
   * waited out.
   */
  private schedule(): void {
    if (this.closed || this.retryTimer !== null || this.writing || this.pending.length === 0) return;
    if (this.queue.size + this.queue.pending >= MAX_CONNECTIONS) return;
    this.writing = true;
    void this.queue.add(() => this.deliverOnce());
  }

  private async deliverOnce(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const batch = this.pending.splice(0, batchSize);
    if (batch.length === 0 || this.closed) {
      this.pending.unshift(...batch);
      this.writing = false;
      return;
    }
    this.inFlight.add(batch);
    // This delivery holds the writing turn until its last packet is out (or it ends).
    let holdsTurn = true;
    const releaseTurn = () => {
      if (!holdsTurn) return;
      holdsTurn = false;
      this.writing = false;
      this.taker = null;
      this.schedule();
    };
    const stream: ResultStream = {
      take: () => {
        const more = this.pending.splice(0, batchSize);
        batch.push(...more);
        return more.map((p) => p.prepared);
      },
      subscribe: (wake) => {
        if (holdsTurn) this.taker = wake;
      },
      maxResults: STREAM_MAX_RESULTS,
      maxOpenMs: STREAM_MAX_OPEN_MS,
    };
    try {
      await this.send(
        batch.map((p) => p.prepared),
        { onWritten: releaseTurn, stream },
      );
    } catch (err) {
      this.inFlight.delete(batch);
      // Back to the front, ahead of anything that arrived meanwhile: at-least-once, in order.
      this.pending.unshift(...batch);
      this.onFailure(err, batch.length);
      releaseTurn();
      return;
    }
    this.inFlight.delete(batch);
    this.counts.sent += batch.length;
    if (this.receiver === 'down') {
      this.options.logger.info(
        { receiver: this.endpoint, downSeconds: Math.round((this.now() - this.downSince) / 1000), heldResults: this.pending.length + batch.length, foldedResults: this.foldedResults },
        'NSCA receiver is back; sending what was held',
      );
    }
    this.queueSummaries();
    this.lastDeliveryAt = this.now();
    if (this.receiver !== 'up') this.receiverSince = this.lastDeliveryAt;
    this.receiver = 'up';
    this.hungUpBefore = false;
    this.outageWarned = false;
    this.backoff.reset();
    releaseTurn();
    this.schedule();
  }

  /**
   * Once a delivery worked, folded counts join the queue behind the results held before them
   * (first in, first out), a few entries beyond `maxPending` at most (one per host/service).
   */
  private queueSummaries(): void {
    for (const alert of this.overflow.take()) this.pending.push({ alert, prepared: prepareResult(alert) });
    this.foldedResults = 0;
  }

  private onFailure(err: unknown, batchSize: number): void {
    if (!(err instanceof NscaDeliveryError)) throw err;
    const hungUp = err instanceof NscaRejectedError || (err instanceof NscaClosedEarlyError && err.during === 'sending');
    // A receiver stopped or restarted while we are connected hangs up just as one that cannot
    // decrypt our packets does. Only a hang-up on the next attempt too (which connected and was
    // greeted, so the receiver is there) is reported as a likely wrong password.
    const rejected = hungUp && this.hungUpBefore;
    this.hungUpBefore = hungUp;
    this.counts.failures++;
    const delay = this.backoff.next();
    const fields = { receiver: this.endpoint, kind: err.kind, batch: batchSize, heldResults: this.pending.length, foldedResults: this.foldedResults, retryInSeconds: Math.round(delay / 100) / 10 };
    if (rejected) {
      // Retrying cannot fix a wrong password, but the operator can, and then nothing is lost.
      this.options.logger.error({ ...fields, error: err.message }, 'NSCA receiver rejected the results: wrong password or encryption method?');
    } else if (hungUp) {
      this.options.logger.warn({ ...fields, error: err.message }, 'NSCA receiver hung up on the results (stopped, restarted, or rejecting them); holding results and retrying');
    } else if (!this.outageWarned) {
      this.outageWarned = true;
      this.options.logger.warn({ ...fields, error: err.message }, 'NSCA receiver unreachable; holding results and retrying');
    } else {
      this.options.logger.debug({ ...fields, error: err.message }, 'NSCA receiver still unreachable');
    }
    if (this.receiver !== 'down') this.downSince = this.receiverSince = this.now();
    this.receiver = 'down';
    const reason = rejected ? 'rejected' : hungUp ? 'hung-up' : 'unreachable';
    this.failuresByReason[reason] = (this.failuresByReason[reason] ?? 0) + 1;
    this.lastError = { at: this.now(), reason, message: err.message };
    this.retryTimer = (this.options.setTimer ?? setTimeout)(() => {
      this.retryTimer = null;
      this.schedule();
    }, delay);
    this.retryTimer.unref?.();
  }
}

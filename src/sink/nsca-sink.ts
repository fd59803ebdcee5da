import PQueue from 'p-queue';
import type { Alert, Logger, ReceiverSettings, ResultSink, Seq, SinkStats } from '../types.js';
import { Backoff } from './backoff.js';
import { OverflowSummaries } from './overflow-summaries.js';
import { InvalidResultError, NscaClosedEarlyError, NscaDeliveryError, NscaRejectedError } from './nsca/errors.js';
import { prepareResult, type PreparedResult } from './nsca/fields.js';
import { clientOptionsFromConfig, formatEndpoint, sendPrepared, type SendReport } from './nsca/client.js';

/** Sends one batch over one connection; `sendPrepared` from ./nsca/client.ts in production. */
export type SendBatch = (batch: readonly PreparedResult[]) => Promise<SendReport>;

/** Builds the batch sender for a receiver (tests pass a fake receiver here). */
export type SenderFactory = (settings: ReceiverSettings) => SendBatch;

export const nscaSender: SenderFactory = (settings) => {
  const options = clientOptionsFromConfig(settings);
  return (batch) => sendPrepared(batch, options);
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

/**
 * Delivers results to the NSCA receiver and rides out its outages.
 *
 * - One delivery at a time: a p-queue of concurrency 1 serialises the attempts (the Debian
 *   nsca is a single process that prefers one client at a time), and its `onIdle()` is what
 *   `drain()` waits on at shutdown.
 * - A failed attempt keeps the batch at the front and retries after an exponential backoff
 *   with jitter; NSCA has no acknowledgement, so after a failure nothing of the batch is
 *   assumed delivered (duplicates over loss: at-least-once).
 * - At most `maxPending` results wait; past that, new results fold into per-host/service
 *   summaries (counts only, so memory stays bounded whatever the outage's length) that are
 *   sent when the receiver is back. Folded results keep their oldest sequence number, so
 *   nothing they account for is committed before the summary is delivered.
 */
export class NscaSink implements ResultSink {
  private readonly queue = new PQueue({ concurrency: 1 });
  private readonly pending: Pending[] = [];
  private readonly overflow: OverflowSummaries;
  private backoff: Backoff;
  private send: SendBatch;
  private endpoint: string;
  private maxPending: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private receiver: SinkStats['receiver'] = 'unknown';
  private downSince = 0;
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
      if (this.pending.length < this.maxPending) this.pending.push({ alert, prepared });
      else {
        this.counts.overflowed++;
        this.overflow.fold(alert, this.now());
      }
    }
    this.schedule();
  }

  oldestPendingSeq(): Seq | null {
    let oldest: Seq | null = this.overflow.oldestSeq();
    for (const { alert } of this.pending) {
      if (alert.oldestSeq !== null && (oldest === null || alert.oldestSeq < oldest)) oldest = alert.oldestSeq;
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
      void this.queue.add(() => this.deliverOnce());
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
    return { receiver: this.receiver, pending: this.pending.length + this.overflow.size, ...this.counts };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private isEmpty(): boolean {
    return this.pending.length === 0 && this.overflow.size === 0;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Starts a delivery unless one is running or queued, or a backoff is being waited out. */
  private schedule(): void {
    if (this.closed || this.retryTimer !== null || this.queue.size > 0 || this.queue.pending > 0 || this.isEmpty()) return;
    void this.queue.add(() => this.deliverOnce());
  }

  private async deliverOnce(): Promise<void> {
    const batch = this.pending.slice(0, this.options.batchSize ?? 500);
    if (batch.length === 0 || this.closed) return;
    try {
      await this.send(batch.map((p) => p.prepared));
    } catch (err) {
      this.onFailure(err, batch.length);
      return;
    }
    this.pending.splice(0, batch.length);
    this.counts.sent += batch.length;
    if (this.receiver === 'down') {
      this.options.logger.info({ receiver: this.endpoint, downSeconds: Math.round((this.now() - this.downSince) / 1000), pending: this.pending.length, folded: this.overflow.size }, 'NSCA receiver is back; sending what was held');
    }
    this.queueSummaries();
    this.receiver = 'up';
    this.backoff.reset();
    if (!this.isEmpty()) void this.queue.add(() => this.deliverOnce());
  }

  /**
   * Once a delivery worked, folded counts join the queue behind the results held before them
   * (first in, first out), a few entries beyond `maxPending` at most (one per host/service).
   */
  private queueSummaries(): void {
    for (const alert of this.overflow.take()) this.pending.push({ alert, prepared: prepareResult(alert) });
  }

  private onFailure(err: unknown, batchSize: number): void {
    if (!(err instanceof NscaDeliveryError)) throw err;
    const rejected = err instanceof NscaRejectedError || (err instanceof NscaClosedEarlyError && err.during === 'sending');
    this.counts.failures++;
    const delay = this.backoff.next();
    const fields = { receiver: this.endpoint, kind: err.kind, batch: batchSize, pending: this.pending.length, folded: this.overflow.size, retryInSeconds: Math.round(delay / 100) / 10 };
    if (rejected) {
      // Retrying cannot fix a wrong password, but the operator can, and then nothing is lost.
      this.options.logger.error({ ...fields, error: err.message }, 'NSCA receiver rejected the results: wrong password or encryption method?');
    } else if (this.receiver !== 'down') {
      this.options.logger.warn({ ...fields, error: err.message }, 'NSCA receiver unreachable; holding results and retrying');
    } else {
      this.options.logger.debug({ ...fields, error: err.message }, 'NSCA receiver still unreachable');
    }
    if (this.receiver !== 'down') this.downSince = this.now();
    this.receiver = 'down';
    this.retryTimer = (this.options.setTimer ?? setTimeout)(() => {
      this.retryTimer = null;
      this.schedule();
    }, delay);
    this.retryTimer.unref?.();
  }
}

import type { PassiveCheckResult } from '../../types.js';
import { commandFileLine } from '../command-line.js';
import { realScheduler } from '../../time/scheduler.js';
import type { DeliveryFailure, DeliveryHooks, DeliveryReport, Transport } from '../transport.js';
import { formatEndpoint, sendPrepared, type NscaClientOptions, type ResultStream, type SendReport } from './client.js';
import { NscaClosedEarlyError, NscaDeliveryError, NscaTimeoutError, unconfirmedMessage } from './errors.js';
import { NSCA_FIELD_LIMITS, prepareResult, type PreparedResult } from './fields.js';

/** The [nsca] settings a transport is built from (the password already resolved). */
export interface NscaSettings {
  readonly host: string;
  readonly port: number;
  readonly encryption: number;
  readonly password: string;
  readonly timeout_seconds: number;
  readonly linger_ms: number;
}

/** Sends one batch over one connection; `sendPrepared` in production, tests may wrap it. */
export type NscaSend = (batch: readonly PreparedResult[], options: NscaClientOptions) => Promise<SendReport>;

/** One connection carries at most this many results, or stays open this long, before it is confirmed. */
const STREAM_MAX_RESULTS = 1000;
const STREAM_MAX_OPEN_MS = 5000;

/**
 * NSCA as a transport: one connection per delivery, results that arrive meanwhile streamed over
 * it, and the batch confirmed only by the server's close after our half-close (see client.ts).
 * All or nothing: NSCA says nothing about single packets.
 *
 * A server that hangs up on our packets may be stopping or restarting, or may be unable to
 * decrypt them. Only a hang-up on the next connection too (which was greeted, so a server is
 * there) is reported as a rejection: a wrong password or encryption method.
 */
export class NscaTransport implements Transport<PreparedResult> {
  readonly type = 'nsca' as const;
  readonly endpoint: string;
  readonly limits = NSCA_FIELD_LIMITS;
  private readonly options: NscaClientOptions;
  private readonly send: NscaSend;
  private readonly deliveries = new Set<AbortController>();
  /** Deliveries started so far; numbers each delivery. */
  private started = 0;
  /**
   * After a hang-up: the number the next delivery to start will get. Only a hang-up on a
   * connection started after the last one was seen counts as "in a row": a receiver that is
   * stopped hangs up on every connection it holds at once.
   */
  private hungUpBefore: number | null = null;

  constructor(settings: NscaSettings, send: NscaSend = sendPrepared) {
    this.endpoint = formatEndpoint(settings.host, settings.port);
    this.options = {
      host: settings.host,
      port: settings.port,
      encryption: settings.encryption,
      password: settings.password,
      timeoutMs: settings.timeout_seconds * 1000,
      lingerMs: settings.linger_ms,
    };
    this.send = send;
  }

  prepare(result: PassiveCheckResult): PreparedResult {
    return prepareResult(result);
  }

  describe(result: PassiveCheckResult): string {
    return commandFileLine(result, Math.floor(realScheduler.now() / 1000));
  }

  async deliver(batch: readonly PreparedResult[], hooks: DeliveryHooks<PreparedResult> = {}): Promise<DeliveryReport> {
    const abort = new AbortController();
    const number = this.started++;
    this.deliveries.add(abort);
    const stream: ResultStream | undefined = hooks.stream && {
      take: hooks.stream.take.bind(hooks.stream),
      subscribe: hooks.stream.subscribe.bind(hooks.stream),
      maxResults: STREAM_MAX_RESULTS,
      maxOpenMs: STREAM_MAX_OPEN_MS,
    };
    try {
      const report = await this.send(batch, {
        ...this.options,
        ...(hooks.onWritten && { onWritten: hooks.onWritten }),
        ...(stream && { stream }),
        signal: abort.signal,
      });
      this.hungUpBefore = null;
      return { confirmed: report.sent, refused: [], failure: null };
    } catch (err) {
      if (!(err instanceof NscaDeliveryError)) throw err;
      return { confirmed: 0, refused: [], failure: this.classify(err, number) };
    } finally {
      this.deliveries.delete(abort);
    }
  }

  /** Ends deliveries under way: they report nothing confirmed. */
  close(): Promise<void> {
    for (const delivery of this.deliveries) delivery.abort();
    return Promise.resolve();
  }

  private classify(err: NscaDeliveryError, number: number): DeliveryFailure {
    const hungUp = err.kind === 'rejected' || (err instanceof NscaClosedEarlyError && err.during === 'sending');
    const twice = hungUp && this.hungUpBefore !== null && number >= this.hungUpBefore;
    if (!hungUp) this.hungUpBefore = null;
    else if (!twice) this.hungUpBefore = this.started;
    if (twice) return { reason: 'rejected', message: rejectedMessage(this.endpoint), cause: err };
    if (hungUp) return { reason: 'hung-up', message: err.message, cause: err };
    switch (err.kind) {
      case 'refused':
      case 'connect-failed':
      case 'closed-early': // before the greeting: hosts.deny, or not nsca on that port
        return { reason: 'unreachable', message: err.message, cause: err };
      case 'timeout':
        // A write that waits too long: the receiver took results and stopped reading them.
        if (err instanceof NscaTimeoutError && err.step === 'write')
          return {
            reason: 'unconfirmed',
            message: unconfirmedMessage(err.written, this.options.timeoutMs),
            cause: err,
          };
        return { reason: 'unreachable', message: err.message, cause: err };
      case 'unconfirmed':
      case 'aborted':
        return { reason: 'unconfirmed', message: err.message, cause: err };
      default: {
        const unknown: never = err.kind;
        return { reason: 'unconfirmed', message: String(unknown), cause: err };
      }
    }
  }
}

function rejectedMessage(endpoint: string): string {
  return (
    `NSCA receiver ${endpoint} rejected the results: wrong password or encryption method? It hung up right after our ` +
    `packets on two connections in a row, as nsca does on a packet it cannot decrypt (its syslog says "invalid CRC32" or ` +
    `"invalid packet type/version"); compare password and encryption with password and decryption_method in nsca.cfg`
  );
}

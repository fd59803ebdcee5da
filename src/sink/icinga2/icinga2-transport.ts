import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { PassiveCheckResult } from '../../types.js';
import type { DeliveryFailure, DeliveryHooks, DeliveryReport, RefusedResult, Transport } from '../transport.js';
import { Icinga2ApiClient } from './api-client.js';
import { checkResultBody, ICINGA2_LIMITS, prepareIcinga2CheckResult, type Icinga2CheckResult } from './check-result.js';
import type { CallOutcome } from './outcome.js';

/** `[icinga2]` as the transport needs it (the password already read from its file/credential). */
export interface Icinga2Settings {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly ca_file: string;
  /** The certificate's name when it differs from the URL's host; default the URL's host. */
  readonly server_name?: string | undefined;
  readonly timeout_seconds: number;
}

export interface Icinga2TransportOptions {
  readonly settings: Icinga2Settings;
  /** `check_source` of every result; default this machine's host name. */
  readonly checkSource?: string;
  /** Reads ca_file (tests may inject). */
  readonly readCa?: (path: string) => Promise<Buffer>;
}

/** Requests in flight at once: enough to hide the round trip, few enough for a busy Icinga. */
const CONCURRENT_REQUESTS = 4;
const MAX_RESULTS_PER_DELIVERY = 1000;

/**
 * Delivers results through Icinga 2's REST API, one `process-check-result` each. A result
 * counts as delivered only on HTTP 200 with a per-result code 200: Icinga answers after its core
 * processed the result. A result for an object Icinga does not have is dropped and counted
 * (`unknown-object`), never retried: no later attempt would find the object either. The sink
 * logs such a refusal once per object, with the message saying what to define.
 */
export class Icinga2Transport implements Transport<Icinga2CheckResult> {
  readonly type = 'icinga2';
  readonly limits = ICINGA2_LIMITS;
  readonly endpoint: string;
  private readonly url: URL;
  private readonly serverName: string;
  private readonly checkSource: string;
  private client: Icinga2ApiClient | null = null;

  constructor(private readonly options: Icinga2TransportOptions) {
    this.url = new URL(options.settings.url);
    this.endpoint = this.url.origin;
    this.serverName = options.settings.server_name ?? this.url.hostname.replace(/^\[|\]$/g, '');
    this.checkSource = options.checkSource ?? hostname();
  }

  prepare(result: PassiveCheckResult): Icinga2CheckResult {
    return prepareIcinga2CheckResult(result, this.checkSource);
  }

  describe(result: PassiveCheckResult): string {
    prepareIcinga2CheckResult(result, this.checkSource);
    return `POST ${this.endpoint}/v1/actions/process-check-result ${JSON.stringify(checkResultBody(result, this.checkSource))}`;
  }

  async deliver(
    batch: readonly Icinga2CheckResult[],
    hooks?: DeliveryHooks<Icinga2CheckResult>,
  ): Promise<DeliveryReport> {
    const items = [...batch];
    let client: Icinga2ApiClient;
    try {
      client = await this.ensureClient();
    } catch (error) {
      hooks?.onWritten?.();
      return {
        confirmed: 0,
        refused: [],
        failure: {
          reason: 'untrusted',
          message: `cannot read icinga2.ca_file ${this.options.settings.ca_file}: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        },
      };
    }
    const outcomes: (CallOutcome | undefined)[] = [];
    let next = 0;
    let stop = false;
    // Results for one object go one after another, in order: Icinga stamps each with the time it
    // processes it, so two in flight for the same service could leave the older one as its state.
    const lastForObject = new Map<string, Promise<unknown>>();
    const worker = async (): Promise<void> => {
      for (;;) {
        if (next >= items.length && next < MAX_RESULTS_PER_DELIVERY && !stop)
          items.push(...(hooks?.stream?.take() ?? []));
        const index = next;
        const item = items[index];
        if (stop || item === undefined) return;
        next++;
        const before = lastForObject.get(item.objectName);
        const call = (async () => {
          if (before) await before;
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by an earlier call's failure while this one awaited
          if (stop) return undefined;
          return client.post(item.body, {
            url: this.endpoint,
            user: this.options.settings.user,
            objectName: item.objectName,
            objectKind: item.kind,
          });
        })();
        lastForObject.set(item.objectName, call);
        const outcome = await call;
        if (outcome === undefined) return;
        outcomes[index] = outcome;
        // Results after a failure would only be sent again: stop taking more.
        if (outcome.kind === 'failed') stop = true;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, worker));
    hooks?.onWritten?.();
    return this.report(items, outcomes);
  }

  close(): Promise<void> {
    this.client?.close();
    this.client = null;
    return Promise.resolve();
  }

  /** Confirmed: the unbroken run of taken or refused results from the front. */
  private report(items: readonly Icinga2CheckResult[], outcomes: readonly (CallOutcome | undefined)[]): DeliveryReport {
    const refused: RefusedResult[] = [];
    let failure: DeliveryFailure | null = null;
    let confirmed = 0;
    for (let index = 0; index < items.length; index++) {
      const outcome = outcomes[index];
      if (outcome === undefined) break;
      if (outcome.kind === 'failed') {
        failure = outcome.failure;
        break;
      }
      if (outcome.kind === 'refused') {
        refused.push({ index, reason: outcome.reason, message: outcome.message });
      }
      confirmed++;
    }
    // A later failure (the run broke at an unanswered slot) still explains what is held.
    failure ??=
      outcomes.find((o): o is Extract<CallOutcome, { kind: 'failed' }> => o?.kind === 'failed')?.failure ?? null;
    if (failure === null && confirmed < items.length)
      failure = {
        reason: 'unconfirmed',
        message: `Icinga 2 API ${this.endpoint} left results unanswered; held and sent again`,
      };
    return { confirmed, refused, failure };
  }

  private async ensureClient(): Promise<Icinga2ApiClient> {
    if (this.client) return this.client;
    const { settings } = this.options;
    const ca = await (this.options.readCa ?? ((path) => readFile(path)))(settings.ca_file);
    this.client = new Icinga2ApiClient({
      url: this.url,
      user: settings.user,
      password: settings.password,
      ca,
      serverName: this.serverName,
      timeoutMs: settings.timeout_seconds * 1000,
      maxSockets: CONCURRENT_REQUESTS,
    });
    return this.client;
  }
}

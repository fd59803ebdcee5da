import type { PassiveCheckResult } from '../../types.js';
import { formatEndpoint } from '../nsca/client.js';
import type { DeliveryFailure, DeliveryHooks, DeliveryReport, RefusedResult, Transport } from '../transport.js';
import { commandBytes, commandLine, NSCA_NG_LIMITS, prepareNscaNgCommand, type NscaNgCommand } from './command.js';
import { NscaNgSessionError } from './errors.js';
import { NscaNgSession, type Reply } from './session.js';
import { realScheduler, type Scheduler, type Timer } from '../../time/scheduler.js';

/** `[nsca_ng]` as the transport needs it (the password already read from its file/credential). */
export interface NscaNgSettings {
  readonly host: string;
  readonly port: number;
  readonly identity: string;
  readonly password: string;
  readonly timeout_seconds: number;
}

export interface NscaNgTransportOptions {
  readonly settings: NscaNgSettings;
  /** Clock (command timestamps) and timers (idle QUIT, per-step timeouts); the real ones when absent. */
  readonly scheduler?: Scheduler;
  /** A session idle this long is ended with QUIT before the server's own timeout (60 s) hits. */
  readonly idleQuitMs?: number;
}

/** One delivery carries at most this many results, so confirmations (and commits) keep coming. */
const MAX_RESULTS_PER_DELIVERY = 1000;
const DEFAULT_IDLE_QUIT_MS = 30_000;

/**
 * Delivers results to an NSCA-ng server over one long-lived session: every result is a PUSH,
 * and counts as delivered only once the server answered `OKAY` to its command bytes (it has
 * queued the command for the Nagios command file; see README for what that does and does not
 * prove). Deliveries run one after another on the session; a session the server ended while
 * idle (BAIL after its `timeout`) is replaced without counting as an outage.
 */
export class NscaNgTransport implements Transport<NscaNgCommand> {
  readonly type = 'nsca-ng';
  readonly limits = NSCA_NG_LIMITS;
  readonly endpoint: string;
  private session: NscaNgSession | null = null;
  /** Deliveries and the idle QUIT take turns: one session carries one request at a time. */
  private turn: Promise<unknown> = Promise.resolve();
  private idleTimer: Timer | null = null;

  constructor(private readonly options: NscaNgTransportOptions) {
    this.endpoint = formatEndpoint(options.settings.host, options.settings.port);
  }

  prepare(result: PassiveCheckResult): NscaNgCommand {
    return prepareNscaNgCommand(result);
  }

  describe(result: PassiveCheckResult): string {
    return commandLine(prepareNscaNgCommand(result), this.epochSeconds());
  }

  deliver(batch: readonly NscaNgCommand[], hooks?: DeliveryHooks<NscaNgCommand>): Promise<DeliveryReport> {
    const run = this.turn.then(() => this.deliverNow(batch, hooks));
    this.turn = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.clearIdleTimer();
    const done = this.turn.then(() => this.endSession());
    this.turn = done;
    await done;
  }

  private async deliverNow(
    batch: readonly NscaNgCommand[],
    hooks?: DeliveryHooks<NscaNgCommand>,
  ): Promise<DeliveryReport> {
    this.clearIdleTimer();
    const items = [...batch];
    const refused: RefusedResult[] = [];
    let confirmed = 0;
    let failure: DeliveryFailure | null = null;
    try {
      // Each command's bytes are made one step ahead, so the next PUSH can ride with them.
      let bytes: Buffer | null = null;
      for (let index = 0; ; index++) {
        if (index + 1 >= items.length && items.length < MAX_RESULTS_PER_DELIVERY)
          items.push(...(hooks?.stream?.take() ?? []));
        const command = items[index];
        if (command === undefined) break;
        const current: Buffer = bytes ?? commandBytes(command, this.epochSeconds());
        const following = items[index + 1];
        bytes = following === undefined ? null : commandBytes(following, this.epochSeconds());
        const reply = await this.push(current, bytes);
        if (reply.kind === 'okay') {
          confirmed++;
          continue;
        }
        if (reply.kind === 'fail' && /too large/i.test(reply.message)) {
          // The server's max_command_size is below ours: this one can never go; the rest can.
          refused.push({
            index,
            reason: 'too-large',
            message: `NSCA-ng server ${this.endpoint} refused a ${current.length}-byte command (FAIL ${reply.message}): raise max_command_size in its nsca-ng.cfg`,
          });
          confirmed++;
          continue;
        }
        failure = this.failureFor(reply, command);
        break;
      }
    } catch (error) {
      if (!(error instanceof NscaNgSessionError)) throw error;
      failure = error;
      this.dropSession();
    }
    hooks?.onWritten?.();
    if (failure === null) this.armIdleTimer();
    return { confirmed, refused, failure };
  }

  private failureFor(reply: Exclude<Reply, { kind: 'okay' }>, command: NscaNgCommand): DeliveryFailure {
    const { identity } = this.options.settings;
    const what = command.service === '' ? `host ${command.host}` : `host ${command.host}, service ${command.service}`;
    if (reply.kind === 'bail') {
      this.dropSession();
      return {
        reason: 'server-error',
        message: `NSCA-ng server ${this.endpoint} ended the session (BAIL ${reply.message}); results are held and sent again`,
      };
    }
    if (/not authorized/i.test(reply.message)) {
      return {
        reason: 'unauthorized',
        message: `NSCA-ng server ${this.endpoint} accepted identity "${identity}" but refused its result for ${what} (FAIL ${reply.message}): its authorize "${identity}" block needs hosts/services patterns that match; results are held`,
      };
    }
    return {
      reason: 'server-error',
      message: `NSCA-ng server ${this.endpoint} refused the result for ${what} (FAIL ${reply.message}); results are held and sent again`,
    };
  }

  /**
   * Pushes one command on the open session, or on a new one. A kept session that turns out to
   * be gone (the server's idle BAIL crossed our PUSH, or it restarted while we were idle) is
   * replaced once, transparently: nothing had been confirmed on it for this command.
   */
  private async push(bytes: Buffer, next: Buffer | null): Promise<Reply> {
    let fresh = false;
    if (this.session === null || !this.session.alive) {
      this.dropSession();
      this.session = await this.openSession();
      fresh = true;
    }
    try {
      const reply = await this.session.push(bytes, next?.length);
      if (reply.kind !== 'bail' || fresh) return this.settle(reply);
    } catch (error) {
      if (
        fresh ||
        !(error instanceof NscaNgSessionError) ||
        (error.reason !== 'hung-up' && error.reason !== 'server-error')
      )
        throw error;
    }
    this.dropSession();
    this.session = await this.openSession();
    return this.settle(await this.session.push(bytes, next?.length));
  }

  /** A session left unusable by a refusal is replaced before the next result. */
  private settle(reply: Reply): Reply {
    if (this.session !== null && !this.session.alive) this.dropSession();
    return reply;
  }

  private openSession(): Promise<NscaNgSession> {
    return NscaNgSession.open({
      ...this.target(),
      password: this.options.settings.password,
      timeoutMs: this.timeoutMs(),
      scheduler: this.scheduler,
    });
  }

  private target() {
    const { host, port, identity } = this.options.settings;
    return { host, port, identity, endpoint: this.endpoint };
  }

  private get scheduler(): Scheduler {
    return this.options.scheduler ?? realScheduler;
  }

  private timeoutMs(): number {
    return this.options.settings.timeout_seconds * 1000;
  }

  private epochSeconds(): number {
    return Math.floor(this.scheduler.now() / 1000);
  }

  private dropSession(): void {
    this.session?.destroy();
    this.session = null;
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) await session.quit();
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = this.scheduler
      .timeout(() => {
        this.idleTimer = null;
        this.turn = this.turn.then(() => this.endSession());
      }, this.options.idleQuitMs ?? DEFAULT_IDLE_QUIT_MS)
      .unref();
  }

  private clearIdleTimer(): void {
    this.idleTimer?.cancel();
    this.idleTimer = null;
  }
}

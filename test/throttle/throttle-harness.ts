import { configFromObject, type Config } from '../../src/config/load.js';
import { NSCA_FIELD_LIMITS } from '../../src/sink/nsca/fields.js';
import { Throttle, type ThrottleOptions } from '../../src/throttle/throttle.js';
import type { Alert, Clock, RefusalEvent, RefusalPeer } from '../../src/types.js';

/** The throttle's options; the limits default to NSCA's, the transport of these tests. */
type HarnessOptions = Omit<ThrottleOptions, 'limits'> & Partial<Pick<ThrottleOptions, 'limits'>>;

/** A clock the test moves by hand. */
export class FakeClock implements Clock {
  constructor(public ms = Date.UTC(2026, 10, 21, 15, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A real, schema-validated Config (defaults filled in by the real loader). */
export function config(doc: Record<string, unknown> = {}): Promise<Config> {
  const { report, source, ...rest } = doc as { report?: object; source?: object };
  return configFromObject(
    { source: { timezone: 'UTC', ...source }, report: { host_name: 'monitor', ...report }, ...rest },
    'test.toml',
    { hostname: 'monitor' },
  );
}

/** Event fields for tests: `address` (with `family` guessed from it) stands for a client-address peer. */
export type RefusalFields = Partial<RefusalEvent> & { readonly address?: string; readonly family?: 4 | 6 };

/** The client-address peer most tests mean by an address. */
export function clientPeer(address: string, family?: 4 | 6): RefusalPeer {
  return { kind: 'client-address', address, family: family ?? (address.includes(':') ? 6 : 4) };
}

/** A refusal as the parser would produce it; times follow the fake clock unless given. */
export function refusal(clock: FakeClock, input: RefusalFields = {}): RefusalEvent {
  const { address, family, ...fields } = input;
  return {
    kind: 'libwrap',
    time: new Date(clock.now()),
    utcOffsetMinutes: 0,
    host: 'web1',
    daemon: 'sshd',
    pid: 4242,
    service: 'sshd',
    peer: clientPeer('198.51.100.7', 4),
    client: null,
    count: 1,
    ...fields,
    ...(address !== undefined ? { peer: clientPeer(address, family) } : {}),
  };
}

/** A throttle fed with increasing seqs, remembering every result it produced. */
export class Harness {
  readonly clock: FakeClock;
  readonly throttle: Throttle;
  readonly alerts: Alert[] = [];
  /** Every result with the clock time it was produced at. */
  readonly timeline: (Alert & { at: number })[] = [];
  seq = 0;
  offeredRefusals = 0;

  constructor(cfg: Config, options: HarnessOptions = { fallbackHost: 'wrapwatch-fallback' }, clock = new FakeClock()) {
    this.clock = clock;
    this.throttle = new Throttle(cfg, clock, { limits: NSCA_FIELD_LIMITS, ...options });
  }

  static async create(doc: Record<string, unknown> = {}, options?: HarnessOptions): Promise<Harness> {
    return new Harness(await config(doc), options);
  }

  offer(fields: RefusalFields = {}): Alert[] {
    const event = refusal(this.clock, fields);
    this.offeredRefusals += event.count;
    return this.keep(this.throttle.offer({ seq: ++this.seq, event }));
  }

  tick(): Alert[] {
    return this.keep(this.throttle.tick());
  }

  /** Moves the clock forward and ticks at every deadline on the way, as the daemon's timer would. */
  advance(ms: number): Alert[] {
    const end = this.clock.now() + ms;
    const out: Alert[] = [];
    for (let rounds = 0; ; rounds++) {
      const next = this.throttle.nextDeadline();
      if (next === null || next > end) break;
      // tick() must move every deadline past now; a deadline that stays put would spin the daemon.
      if (next <= this.clock.now() && rounds > 0)
        throw new Error(`nextDeadline() stays at ${next} after tick() at ${this.clock.now()}`);
      if (next > this.clock.now()) this.clock.ms = next;
      out.push(...this.tick());
    }
    this.clock.ms = end;
    out.push(...this.tick());
    return out;
  }

  flush(): Alert[] {
    return this.keep(this.throttle.flush());
  }

  reportedRefusals(): number {
    return this.alerts.reduce((sum, a) => sum + a.refusals, 0);
  }

  private keep(alerts: Alert[]): Alert[] {
    this.alerts.push(...alerts);
    for (const alert of alerts) this.timeline.push({ ...alert, at: this.clock.now() });
    return alerts;
  }
}

/** The perfdata of an output, parsed back. */
export function perfdata(output: string): { refusals: number; sources: number } | null {
  const match = / \| refusals=(\d+) sources=(\d+)$/.exec(output);
  return match ? { refusals: Number(match[1]), sources: Number(match[2]) } : null;
}

/** Destinations remembered for heartbeats; the least recently used beyond this are forgotten. */
export const MAX_HEARTBEAT_DESTINATIONS = 1024;

export interface HeartbeatTarget {
  readonly host: string;
  readonly service: string;
  lastSent: number;
}

/**
 * When an OK heartbeat is due, per destination (Nagios host + service): each service a result
 * ever went to returns to OK on its own, and its freshness check notices a dead wrapwatch.
 * With `host_name = "{host}"` that is one heartbeat per reporting host, each counted against
 * the cap (a heartbeat the cap refuses waits for the next free slot).
 *
 * Targets are kept in the order they were last sent to, so the next due is the first.
 */
export class HeartbeatSchedule {
  private readonly targets = new Map<string, HeartbeatTarget>();
  private blockedUntil = -Infinity;

  constructor(private intervalMs: number) {}

  changeInterval(intervalMs: number): void {
    this.intervalMs = intervalMs;
  }

  /** A result went to this destination: its next heartbeat is an interval from now. */
  sent(host: string, service: string, now: number): void {
    const key = `${host}\u0000${service}`;
    this.targets.delete(key);
    this.targets.set(key, { host, service, lastSent: now });
    if (this.targets.size > MAX_HEARTBEAT_DESTINATIONS) {
      const oldest = this.targets.keys().next();
      if (oldest.done !== true) this.targets.delete(oldest.value);
    }
  }

  /** Starts heartbeats for a destination known before any result (the configured host), keeping its timer if known. */
  watch(host: string, service: string, now: number): void {
    if (!this.targets.has(`${host}\u0000${service}`)) this.sent(host, service, now);
  }

  /** SIGHUP: stops heartbeats to destinations the new configuration no longer reports to. */
  retain(keep: (target: HeartbeatTarget) => boolean): void {
    for (const [key, target] of this.targets) if (!keep(target)) this.targets.delete(key);
  }

  nextDue(): number | null {
    if (this.intervalMs <= 0) return null;
    const first = this.targets.values().next();
    if (first.done === true) return null;
    return Math.max(first.value.lastSent + this.intervalMs, this.blockedUntil);
  }

  /** The target whose heartbeat is due at `nextDue()`. */
  dueTarget(): HeartbeatTarget | null {
    const first = this.targets.values().next();
    return first.done === true ? null : first.value;
  }

  /** The cap refused a heartbeat: try again when it has room. */
  blockUntil(at: number): void {
    this.blockedUntil = at;
  }

  get intervalSeconds(): number {
    return this.intervalMs / 1000;
  }
}

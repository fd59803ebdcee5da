import type { FieldLimits } from '../sink/transport.js';
import type { RefusalEvent } from '../types.js';
import type { Route } from './rules.js';
import { nagiosHostName } from './sanitize.js';
import type { Destination } from './source-table.js';

/** Remembered `{host}` resolutions per route; cleared when full (they are cheap to redo). */
const CACHE_LIMIT = 4096;

interface Resolved {
  readonly destination: Destination;
  readonly fellBack: boolean;
}

/**
 * Where a route sends an event's results. A `{host}` host name comes from the line's syslog host
 * field, which anyone who can send syslog controls: it must be a usable Nagios host name as a
 * whole (nagiosHostName), or the result goes to the fallback host and is counted.
 */
export class DestinationResolver {
  private readonly cache = new Map<Route, Map<string, Resolved>>();
  /** Events whose `{host}` was unusable. */
  fallbacks = 0;

  constructor(
    private readonly fallbackHost: string,
    private limits: FieldLimits,
  ) {}

  resolve(route: Route, event: RefusalEvent): Destination {
    let byHost = this.cache.get(route);
    if (byHost === undefined) this.cache.set(route, (byHost = new Map<string, Resolved>()));
    let resolved = byHost.get(event.host);
    if (resolved === undefined) {
      const host =
        route.hostName.literal ??
        nagiosHostName(
          route.hostName.renderRaw(() => event.host),
          this.limits,
        );
      resolved = {
        destination: { host: host ?? this.fallbackHost, service: route.service, status: route.status },
        fellBack: host === null,
      };
      if (byHost.size >= CACHE_LIMIT) byHost.clear();
      byHost.set(event.host, resolved);
    }
    if (resolved.fellBack) this.fallbacks++;
    return resolved.destination;
  }

  /** SIGHUP: routes are compiled anew (perhaps for another transport), so their resolutions go. */
  clear(limits: FieldLimits): void {
    this.limits = limits;
    this.cache.clear();
  }
}

import { readlinkSync } from 'node:fs';

/** Where the host says what its zone is, as glibc and ICU read it; injectable for tests. */
export interface SystemZoneSources {
  /** The TZ environment variable, if set. */
  readonly tz: string | undefined;
  /** The target of the /etc/localtime link (`/usr/share/zoneinfo/Etc/UTC`), or null. */
  readonly localtimeTarget: () => string | null;
}

function hostSources(): SystemZoneSources {
  return {
    tz: process.env.TZ,
    localtimeTarget: () => {
      try {
        return readlinkSync('/etc/localtime');
      } catch {
        return null;
      }
    },
  };
}

/** The zoneinfo names of UTC itself (links to one zone with a fixed offset of 0). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'UCT', 'Etc/UCT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu']);

/**
 * The machine's zone, for when the config names none. Asking Intl loads ICU's zone data, about
 * 13 ms of every `parse` and daemon start (BENCHMARKS.md); a host on UTC, as most servers are,
 * says so in TZ or in the /etc/localtime link, and UTC needs no zone data. Anything else, or
 * anything unclear, is left to Intl, which reads the same sources.
 */
export function systemTimeZone(sources: SystemZoneSources = hostSources()): string {
  if (sources.tz !== undefined) {
    if (UTC_NAMES.has(sources.tz.replace(/^:/, ''))) return 'UTC';
  } else {
    const zone = /\/zoneinfo\/(.+)$/.exec(sources.localtimeTarget() ?? '')?.[1];
    if (zone !== undefined && UTC_NAMES.has(zone)) return 'UTC';
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

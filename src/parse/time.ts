/**
 * Syslog timestamps: traditional headers carry neither year nor zone, so both come from
 * the caller (an injected "now" and a configured IANA zone) and are resolved here.
 */

/** A wall-clock time in some zone, as a traditional header gives it (no year). */
export interface WallTime {
  readonly month: number; // 0-11
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface ZonedInstant {
  readonly epochMs: number;
  readonly utcOffsetMinutes: number;
}

/**
 * Converts wall-clock times in one IANA zone to instants. Offsets are cached per UTC hour
 * because a storm of refusals shares a handful of hours and Intl formatting is slow.
 */
export class TimeZoneResolver {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat | null;
  private readonly offsetByHour = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.format =
      timeZone === 'UTC'
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** The zone's UTC offset in minutes at an instant. */
  offsetAt(epochMs: number): number {
    if (this.format === null) return 0;
    const hourKey = Math.floor(epochMs / 3_600_000);
    const cached = this.offsetByHour.get(hourKey);
    if (cached !== undefined) return cached;
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(hourKey * 3_600_000))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    const offset = Math.round((asUtc - hourKey * 3_600_000) / 60_000);
    if (this.offsetByHour.size > 4096) this.offsetByHour.clear();
    this.offsetByHour.set(hourKey, offset);
    return offset;
  }

  /** The instant a wall-clock time in this zone stands for (the earlier one in a DST overlap). */
  toInstant(year: number, wall: WallTime): ZonedInstant {
    const naive = Date.UTC(year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
    // The offset at the naive instant is off by at most one DST step; one correction settles it.
    let offset = this.offsetAt(naive);
    const corrected = this.offsetAt(naive - offset * 60_000);
    if (corrected !== offset) offset = corrected;
    return { epochMs: naive - offset * 60_000, utcOffsetMinutes: offset };
  }
}

/** True when the date exists (rejects Feb 30, and Feb 29 outside leap years). */
function validDate(year: number, wall: WallTime): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days =
    wall.month === 1 ? (leap ? 29 : 28) : ([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][wall.month] ?? 0);
  return wall.day >= 1 && wall.day <= days;
}

/**
 * Resolves a yearless traditional timestamp: of last year, this year and next year (in the
 * zone), the one closest to now wins. A December line read in January is last year's; a
 * January line from a host whose clock runs ahead on December 31 is next year's.
 */
export function resolveYearless(wall: WallTime, nowMs: number, zone: TimeZoneResolver): ZonedInstant | null {
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 60) return null;
  const second = Math.min(wall.second, 59); // a leap second is kept within its minute
  const clamped = { ...wall, second };
  const nowYear = new Date(nowMs + zone.offsetAt(nowMs) * 60_000).getUTCFullYear();
  let best: ZonedInstant | null = null;
  for (const year of [nowYear - 1, nowYear, nowYear + 1]) {
    if (!validDate(year, clamped)) continue;
    const candidate = zone.toInstant(year, clamped);
    if (best === null || Math.abs(candidate.epochMs - nowMs) < Math.abs(best.epochMs - nowMs)) best = candidate;
  }
  return best;
}

/**
 * resolveYearless for a stream of lines, remembered per wall-clock minute: a log's lines share
 * a few minutes, and the three candidate years with their zone offsets were most of the cost of
 * a traditional header. Exact: the zone's offset is constant within a minute (offsets are whole
 * minutes, cached per UTC hour), so a line's candidates are its minute's plus its seconds.
 */
export class YearlessResolver {
  private readonly zone: TimeZoneResolver;
  private nowMs = Number.NaN;
  private nowYear = 0;
  /** Per minute key: for last, this and next year the instant at second 0 and its offset; NaN when the date does not exist. */
  private readonly minutes = new Map<number, Float64Array>();

  constructor(zone: TimeZoneResolver) {
    this.zone = zone;
  }

  /** Same result as resolveYearless(wall, nowMs, zone), with `month` 0-11. */
  resolve(
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    nowMs: number,
  ): ZonedInstant | null {
    // Out-of-range fields would share a minute's key with a real date ("Jan 33" with "Feb 1").
    if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
    if (nowMs !== this.nowMs) {
      const nowYear = new Date(nowMs + this.zone.offsetAt(nowMs) * 60_000).getUTCFullYear();
      if (nowYear !== this.nowYear) this.minutes.clear();
      this.nowMs = nowMs;
      this.nowYear = nowYear;
    }
    const key = ((month * 32 + day) * 24 + hour) * 60 + minute;
    let years = this.minutes.get(key);
    if (years === undefined) {
      years = this.candidates({ month, day, hour, minute, second: 0 });
      if (this.minutes.size >= 4096) this.minutes.clear();
      this.minutes.set(key, years);
    }
    const seconds = Math.min(second, 59) * 1000;
    let best = -1;
    let bestDistance = 0;
    for (let k = 0; k < 3; k++) {
      const start = years[k * 2] ?? Number.NaN;
      if (Number.isNaN(start)) continue;
      const distance = Math.abs(start + seconds - nowMs);
      if (best < 0 || distance < bestDistance) {
        best = k;
        bestDistance = distance;
      }
    }
    if (best < 0) return null;
    return { epochMs: (years[best * 2] ?? 0) + seconds, utcOffsetMinutes: years[best * 2 + 1] ?? 0 };
  }

  private candidates(wall: WallTime): Float64Array {
    const years = new Float64Array(6).fill(Number.NaN);
    for (let k = 0; k < 3; k++) {
      const year = this.nowYear - 1 + k;
      if (!validDate(year, wall)) continue;
      const instant = this.zone.toInstant(year, wall);
      years[k * 2] = instant.epochMs;
      years[k * 2 + 1] = instant.utcOffsetMinutes;
    }
    return years;
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** ISO 8601 with the log's own UTC offset, e.g. `2026-11-21T15:39:32.040+01:00`. */
export function formatWithOffset(time: Date, utcOffsetMinutes = 0): string {
  const local = new Date(time.getTime() + utcOffsetMinutes * 60_000);
  const sign = utcOffsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(utcOffsetMinutes);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Throws a RangeError for a zone name Intl does not know (config validation uses this). */
export function assertTimeZone(timeZone: string): void {
  // Loading ICU's zone data for the check cost 30 ms of every start; UTC needs none.
  if (timeZone === 'UTC') return;
  new Intl.DateTimeFormat('en-US', { timeZone });
}

import { formatBytes, formatDuration, oneLine } from './format.js';
import { liveness, processExists } from './liveness.js';
import type { StatusDocument } from './status-document.js';
import type { StatusRead } from './status-file.js';
import { summaryLine } from './status-model.js';
import { alerts, parseThresholdRange, ThresholdSyntaxError, type ThresholdRange } from './threshold-range.js';

/** Plugin return codes (Monitoring Plugins guidelines). */
export const OK = 0;
export const WARNING = 1;
export const CRITICAL = 2;
export const UNKNOWN = 3;
export type PluginCode = typeof OK | typeof WARNING | typeof CRITICAL | typeof UNKNOWN;
const LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

/** What `check` measures; each can have a warning and a critical range (`-w age=30,down=60`). */
export const METRICS = ['age', 'down', 'behind', 'pending', 'refusals', 'delivery'] as const;
export type Metric = (typeof METRICS)[number];

export type Thresholds = Readonly<Partial<Record<Metric, ThresholdRange>>>;

export const DEFAULT_WARNING = 'age=30,down=60,behind=1048576';
export const DEFAULT_CRITICAL = 'age=120,down=300,behind=16777216';

/**
 * `metric=range,...` over the defaults; `metric=off` drops a default. Throws ThresholdSyntaxError
 * naming the bad part.
 */
export function parseThresholds(text: string | undefined, defaults: string): Thresholds {
  const out = new Map<Metric, ThresholdRange>();
  for (const list of [defaults, text ?? '']) {
    for (const part of list.split(',').filter((p) => p.trim() !== '')) {
      const eq = part.indexOf('=');
      const name = (eq === -1 ? '' : part.slice(0, eq)).trim();
      if (!(METRICS as readonly string[]).includes(name)) {
        throw new ThresholdSyntaxError(
          `"${part}": say which measure the range is for, one of ${METRICS.map((m) => `${m}=RANGE`).join(', ')}`,
        );
      }
      const metric = name as Metric;
      const range = part.slice(eq + 1).trim();
      if (range === 'off') out.delete(metric);
      else out.set(metric, parseThresholdRange(range));
    }
  }
  return Object.fromEntries(out);
}

export interface CheckOutcome {
  readonly code: PluginCode;
  /** The one line the plugin prints (status, text, perfdata). */
  readonly line: string;
}

interface Measure {
  readonly metric: Metric;
  readonly value: number | null;
  readonly perfLabel: string;
  readonly unit: '' | 's' | 'B';
  readonly describe: (value: number) => string;
}

function measures(doc: StatusDocument, now: number): Measure[] {
  const age = Math.max(0, (now - Date.parse(doc.writtenAt)) / 1000);
  const r = doc.receiver;
  const down = r.state === 'down' ? Math.max(0, (now - Date.parse(r.since)) / 1000) : 0;
  const why = r.lastError === null ? '' : ` (${r.lastError.reason}: ${oneLine(r.lastError.message, 120)})`;
  const behind = doc.sources.reduce((sum, s) => sum + s.bytesBehind, 0);
  const sinceDelivery = r.lastDeliveryAt === null ? null : Math.max(0, (now - Date.parse(r.lastDeliveryAt)) / 1000);
  return [
    {
      metric: 'age',
      value: age,
      perfLabel: 'status_age',
      unit: 's',
      describe: (v) => `status file not updated for ${formatDuration(v)} (daemon hung?)`,
    },
    {
      metric: 'down',
      value: down,
      perfLabel: 'receiver_down',
      unit: 's',
      describe: (v) =>
        `receiver ${oneLine(r.endpoint, 100)} (${oneLine(r.transport, 20)}) down for ${formatDuration(v)}${why}`,
    },
    {
      metric: 'behind',
      value: behind,
      perfLabel: 'behind',
      unit: 'B',
      describe: (v) => `${formatBytes(v)} of log not read yet`,
    },
    {
      metric: 'pending',
      value: doc.results.pending,
      perfLabel: 'pending',
      unit: '',
      describe: (v) => `${v} results waiting for delivery`,
    },
    {
      metric: 'refusals',
      value: doc.recent.refusals.m1,
      perfLabel: 'refusals_per_minute',
      unit: '',
      describe: (v) => `${v} refusals in the last minute`,
    },
    {
      metric: 'delivery',
      value: sinceDelivery,
      perfLabel: 'since_delivery',
      unit: 's',
      describe: (v) => `nothing delivered for ${formatDuration(v)}`,
    },
  ];
}

function perfdata(list: readonly Measure[], warning: Thresholds, critical: Thresholds): string {
  return list
    .map((m) => {
      const value = m.value === null ? 'U' : `${Math.round(m.value * 10) / 10}${m.unit}`;
      return `${m.perfLabel}=${value};${warning[m.metric]?.text ?? ''};${critical[m.metric]?.text ?? ''};0`;
    })
    .join(' ');
}

const line = (code: PluginCode, text: string, perf?: string) =>
  `WRAPWATCH ${LABELS[code]} - ${oneLine(text, 600)}${perf === undefined ? '' : ` | ${perf}`}`;

/** The plugin's verdict on a status file read at `now`. */
export function evaluateCheck(
  read: StatusRead,
  now: number,
  warning: Thresholds,
  critical: Thresholds,
  exists: (pid: number) => boolean = processExists,
): CheckOutcome {
  switch (read.kind) {
    case 'missing':
      return { code: CRITICAL, line: line(CRITICAL, `wrapwatch is not running: no status file at ${read.path}`) };
    case 'unreadable':
      return { code: UNKNOWN, line: line(UNKNOWN, read.message) };
    case 'ok':
      break;
    default: {
      const unknownRead: never = read;
      return unknownRead;
    }
  }
  const doc = read.doc;
  const list = measures(doc, now);
  const perf = perfdata(list, warning, critical);
  // Liveness first: a dead daemon's other figures are history, not a state.
  const live = liveness(doc, now, Number.POSITIVE_INFINITY, exists);
  if (live.kind === 'gone')
    return {
      code: CRITICAL,
      line: line(
        CRITICAL,
        `wrapwatch is not running: pid ${doc.pid} is gone; status last written ${formatDuration(live.ageSeconds)} ago`,
        perf,
      ),
    };
  if (live.kind === 'stopped')
    return {
      code: CRITICAL,
      line: line(CRITICAL, `wrapwatch is not running: it stopped ${formatDuration(live.ageSeconds)} ago`, perf),
    };

  const problems: { code: PluginCode; text: string }[] = [];
  for (const m of list) {
    if (m.value === null) continue;
    const crit = critical[m.metric];
    const warn = warning[m.metric];
    if (crit !== undefined && alerts(crit, m.value)) problems.push({ code: CRITICAL, text: m.describe(m.value) });
    else if (warn !== undefined && alerts(warn, m.value)) problems.push({ code: WARNING, text: m.describe(m.value) });
  }
  if (problems.length === 0) return { code: OK, line: line(OK, summaryLine(doc, now), perf) };
  problems.sort((a, b) => b.code - a.code);
  const code = problems[0]?.code ?? OK;
  return { code, line: line(code, problems.map((p) => p.text).join('; '), perf) };
}

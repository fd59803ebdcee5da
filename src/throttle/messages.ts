import { formatWithOffset, type TimeZoneResolver } from '../parse/time.js';
import type { FieldLimits } from '../sink/transport.js';
import { sanitizeField } from './sanitize.js';
import { truncateUtf8 } from '../text/utf8.js';
import type { SourceEntry } from './source-table.js';
import type { Span } from './span.js';
import type { StormSweep } from './storm.js';
import type { CompiledTemplate, OutputField } from './template.js';
import type { OverflowDrained } from './overflow.js';

/**
 * The plugin output of each kind of result, written to be read in a Nagios status line:
 * what happened, how many, since when (the events' own times: the NSCA server stamps its own
 * arrival time), then the perfdata every result carries.
 *
 *   first      Denied xinetd/daytime-stream from 198.51.100.7 at 2026-11-21T15:39:32+01:00
 *   follow-up  Denied sshd from 198.51.100.7: 17 more refusals from 2026-...:33+01:00 to 2026-...:31+01:00
 *   storm      Storm: 4213 refusals from 812 sources in 60s; top: 198.51.100.210 sshd x1815, ...; logged from ... to ...
 *   overflow   Too many sources to track one by one: 5231 refusals from about 4800 more sources (max_tracked_sources=10000), logged from ... to ...
 *   heartbeat  OK: no refusals reported in the last 300s; wrapwatch is running
 *
 * each followed by ` | refusals=N sources=M`.
 */

/** ISO 8601 with the log's own offset; whole seconds print without ".000" (traditional headers). */
export function formatEventTime(ms: number, offset: number | undefined, zone: TimeZoneResolver): string {
  if (!Number.isFinite(ms)) return 'an unknown time';
  return formatWithOffset(new Date(ms), offset ?? zone.offsetAt(ms)).replace('.000', '');
}

function timeRange(span: Span, zone: TimeZoneResolver): string {
  const first = formatEventTime(span.firstMs, span.firstOffset, zone);
  if (span.firstMs === span.lastMs) return `at ${first}`;
  return `from ${first} to ${formatEventTime(span.lastMs, span.lastOffset, zone)}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Appends the perfdata, cutting the text (never the perfdata) to fit the transport's output field. */
export function withPerfdata(
  body: string,
  refusals: number,
  sources: number,
  limits: Pick<FieldLimits, 'maxOutputBytes'>,
): string {
  const perfdata = ` | refusals=${refusals} sources=${sources}`;
  return limits.maxOutputBytes === null
    ? body + perfdata
    : truncateUtf8(body, limits.maxOutputBytes - perfdata.length) + perfdata;
}

/** What `{daemon}` prints: the syslog tag, or a note when the line had none (`vm [6811]: ...`). */
export function daemonName(daemon: string): string {
  return daemon === '' ? '(no tag)' : daemon;
}

/**
 * What `{daemon_service}` prints: `xinetd/daytime-stream`, `stunnel/https`, or just `sshd` when
 * the service is the daemon itself, so three refusals of one xinetd for three services do not
 * read like duplicates.
 */
export function daemonService(entry: Pick<SourceEntry, 'daemon' | 'service'>): string {
  if (entry.service === '' || entry.service === entry.daemon) return daemonName(entry.daemon);
  return `${daemonName(entry.daemon)}/${entry.service}`;
}

function render(
  output: CompiledTemplate<OutputField>,
  entry: SourceEntry,
  count: number,
  span: Span,
  zone: TimeZoneResolver,
): string {
  return output.render((field) => {
    switch (field) {
      case 'daemon':
        return daemonName(entry.daemon);
      case 'daemon_service':
        return daemonService(entry);
      case 'service':
        return entry.service === '' ? daemonName(entry.daemon) : entry.service;
      case 'address':
        return entry.address;
      case 'client':
        // libwrap itself prints the address when it knows no name.
        return entry.client ?? entry.address;
      case 'host':
        return entry.host;
      case 'count':
        return String(count);
      case 'first':
        return formatEventTime(span.firstMs, span.firstOffset, zone);
      case 'last':
        return formatEventTime(span.lastMs, span.lastOffset, zone);
      default: {
        const unknown: never = field;
        return String(unknown);
      }
    }
  });
}

const usesTime = (output: CompiledTemplate<OutputField>) => output.fields.has('first') || output.fields.has('last');

/** The result sent at once for a source's first refusal (`count` > 1 for "message repeated N times"). */
export function firstText(
  output: CompiledTemplate<OutputField>,
  entry: SourceEntry,
  count: number,
  span: Span,
  zone: TimeZoneResolver,
): string {
  let body = render(output, entry, count, span, zone);
  if (count > 1 && !output.fields.has('count')) body += `: ${count} refusals`;
  if (!usesTime(output)) body += ` ${timeRange(span, zone)}`;
  return body;
}

/** The result at the end of a window; `reportedBefore` says whether an earlier result named this source. */
export function followUpText(
  output: CompiledTemplate<OutputField>,
  entry: SourceEntry,
  refusals: number,
  span: Span,
  reportedBefore: boolean,
  zone: TimeZoneResolver,
): string {
  let body = `${render(output, entry, refusals, span, zone)}: ${plural(refusals, reportedBefore ? 'more refusal' : 'refusal')}`;
  if (!usesTime(output)) body += ` ${timeRange(span, zone)}`;
  if (!reportedBefore) body += ' (held back by the result cap)';
  return body;
}

const about = (exact: boolean) => (exact ? '' : 'about ');

/** A storm summary; `periodMs` null for the one `flush()` sends with whatever the cap still held at shutdown. */
export function stormText(sweep: StormSweep, periodMs: number | null, zone: TimeZoneResolver): string {
  const exact = sweep.untracked === null || sweep.untracked.exact;
  const counts = `${plural(sweep.refusals, 'refusal')} from ${about(exact)}${plural(sweep.sources, 'source')}`;
  let body =
    periodMs === null
      ? `Shutting down: ${counts} held back by the result cap`
      : `Storm: ${counts} in ${Math.max(1, Math.round(periodMs / 1000))}s`;
  if (sweep.top.length > 0) {
    const labels = sweep.top.map(({ entry, count }) => {
      const where = sweep.severalHosts ? ` on ${sanitizeField(entry.host)}` : '';
      return `${sanitizeField(entry.address)} ${sanitizeField(daemonService(entry))}${where} x${count}`;
    });
    body += `; top: ${labels.join(', ')}`;
  }
  const untracked = sweep.untracked;
  if (untracked !== null) {
    body += `; ${untracked.refusals} of them from ${about(untracked.exact)}${plural(untracked.sources, 'untracked source')}`;
  }
  return `${body}; logged ${timeRange(sweep.span, zone)}`;
}

export function overflowText(drained: OverflowDrained, maxTracked: number, zone: TimeZoneResolver): string {
  return (
    `Too many sources to track one by one: ${plural(drained.refusals, 'refusal')} from ${about(drained.exact)}` +
    `${plural(drained.sources, 'more source')} (max_tracked_sources=${maxTracked}), logged ${timeRange(drained.span, zone)}`
  );
}

export function heartbeatText(intervalSeconds: number): string {
  return `OK: no refusals reported in the last ${intervalSeconds}s; wrapwatch is running`;
}

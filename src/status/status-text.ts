import { formatBytes, formatDuration, oneLine } from './format.js';
import type { Liveness } from './liveness.js';
import type { StatusDocument } from './status-document.js';

const ago = (iso: string | null, now: number): string =>
  iso === null ? 'never' : `${iso} (${formatDuration((now - Date.parse(iso)) / 1000)} ago)`;
const within = (iso: string, now: number): string => formatDuration((Date.parse(iso) - now) / 1000);

function headline(doc: StatusDocument, live: Liveness, now: number): string {
  const age = formatDuration(live.ageSeconds);
  switch (live.kind) {
    case 'running':
      return `wrapwatch ${doc.version}, pid ${doc.pid}, ${doc.state}, up ${formatDuration((now - Date.parse(doc.startedAt)) / 1000)} (since ${doc.startedAt}); status written ${age} ago`;
    case 'stopped':
      return `wrapwatch is NOT RUNNING: pid ${doc.pid} stopped; this status is ${age} old (written ${doc.writtenAt})`;
    case 'gone':
      return `wrapwatch is NOT RUNNING: pid ${doc.pid} is gone (killed or crashed); this status is ${age} old (written ${doc.writtenAt})`;
    case 'stale':
      return `wrapwatch is STALE: pid ${doc.pid} exists but has not written its status for ${age} (it does every ${doc.intervalSeconds} s: hung?); written ${doc.writtenAt}`;
    default: {
      const unknownKind: never = live;
      return String(unknownKind);
    }
  }
}

/** `wrapwatch status` for a person: what a sysadmin asks first comes first. */
export function statusText(doc: StatusDocument, live: Liveness, now: number): string {
  const out: string[] = [
    headline(doc, live, now),
    `config ${oneLine(doc.config.file)}, loaded ${ago(doc.config.loadedAt, now)}`,
    '',
  ];
  out.push('followed:');
  for (const s of doc.sources) {
    if (s.kind === 'journal') {
      out.push(`  the journal: ${s.lines} entries read`);
      continue;
    }
    out.push(
      `  ${oneLine(s.id)}: offset ${s.offset ?? '-'}, size ${s.size ?? 'missing'}, ${formatBytes(s.bytesBehind)} behind, last rotation ${ago(s.lastRotationAt, now)}` +
        ` (${s.rotations} rotations, ${s.truncations} truncations, ${s.lines} lines read)`,
    );
  }
  const r = doc.receiver;
  out.push(
    '',
    `receiver: ${oneLine(r.transport)} ${oneLine(r.endpoint)} ${r.state.toUpperCase()} since ${ago(r.since, now)}`,
    `  last delivery ${ago(r.lastDeliveryAt, now)}`,
    `  last error ${r.lastError === null ? 'none' : `${ago(r.lastError.at, now)}: ${oneLine(r.lastError.reason)}: ${oneLine(r.lastError.message)}`}`,
    `  failures ${r.failures}${
      Object.keys(r.failuresByReason).length > 0
        ? ` (${Object.entries(r.failuresByReason)
            .map(([k, v]) => `${oneLine(k)} ${v}`)
            .join(', ')})`
        : ''
    }`,
    `results: ${doc.results.pending} pending, ${doc.results.overflowed} overflowed, ${doc.results.sent} sent, ${doc.results.invalid} invalid, ${doc.results.refused} refused by the receiver`,
    '',
    '              1 min   5 min  15 min',
    `refusals  ${[doc.recent.refusals.m1, doc.recent.refusals.m5, doc.recent.refusals.m15].map((n) => String(n).padStart(8)).join('')}`,
    `results   ${[doc.recent.results.m1, doc.recent.results.m5, doc.recent.results.m15].map((n) => String(n).padStart(8)).join('')}`,
    '',
    doc.busiest.length === 0
      ? 'busiest sources in the current windows: none'
      : 'busiest sources in the current windows:',
  );
  for (const b of doc.busiest) {
    out.push(
      `  ${oneLine(b.address, 60)} -> ${oneLine(b.daemon, 40)}/${oneLine(b.service, 40)} on ${oneLine(b.host, 80)}: ${b.refusals} refusals (${b.pending} not reported yet), window ends in ${within(b.windowEndsAt, now)}`,
    );
  }
  out.push(
    `last checkpoint commit ${ago(doc.checkpoint.lastCommitAt, now)}${doc.checkpoint.lastError === null ? '' : `; last commit FAILED: ${oneLine(doc.checkpoint.lastError)}`}`,
    '',
    'counters:',
  );
  for (const [key, value] of Object.entries(doc.counters))
    out.push(
      `  ${key} ${oneLine(typeof value === 'number' || typeof value === 'string' ? String(value) : JSON.stringify(value))}`,
    );
  return `${out.join('\n')}\n`;
}

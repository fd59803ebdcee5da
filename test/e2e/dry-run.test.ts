import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { LineParser } from '../../src/parse/parser.js';
import type { RefusalEvent } from '../../src/types.js';
import { clientAddressOf, fixturePath, type CorpusExpectation } from '../helpers/corpus.js';
import { createWorkspace, startDaemon, testConfig, writeConfig, useE2eLifecycle } from '../helpers/daemon-process.js';

useE2eLifecycle();

interface Case {
  readonly line: string;
  readonly expect: CorpusExpectation | null;
}

const cases: Case[] = readFileSync(fixturePath('cases.jsonl'), 'utf8')
  .split('\n')
  .filter((json) => json.trim() !== '')
  .map((json) => JSON.parse(json) as Case);

/** The first 64 bits of an IPv6 address, written out: the throttle groups IPv6 sources by /64 (the default ipv6_prefix). */
function slash64(address: string): string {
  const bare = address.split('%')[0] ?? address;
  const [head = '', tail] = bare.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':');
}

/** Which throttle source a refusal belongs to (all results go to one Nagios host and service here). */
const sourceKey = (host: string, daemon: string, service: string, address: string) =>
  `${host} ${daemon} ${service} ${address.includes(':') ? `${slash64(address)}::/64` : address}`;

/**
 * xinetd logs one refused connection twice (`libwrap refused connection ...`, then `FAIL: ...`
 * with the same host, pid, service and address). A line counts once when the other kind's line
 * for the same connection came within a second (by the lines' own times) and is not paired yet.
 * Returns, per line, how many of its refusals are new.
 */
function withoutXinetdPairs(events: readonly RefusalEvent[]): number[] {
  const waiting = new Map<string, { kind: string; remaining: number; timeMs: number }>();
  return events.map((event) => {
    if (event.kind !== 'xinetd-libwrap' && event.kind !== 'xinetd-fail') return event.count;
    const key = `${event.host} ${event.pid} ${event.service} ${clientAddressOf(event)}`;
    const timeMs = event.time.getTime();
    const other = waiting.get(key);
    let paired = 0;
    if (other && other.kind !== event.kind && Math.abs(timeMs - other.timeMs) <= 1000) {
      paired = Math.min(other.remaining, event.count);
      other.remaining -= paired;
      if (other.remaining === 0) waiting.delete(key);
    }
    const left = event.count - paired;
    if (left > 0) {
      const same = waiting.get(key);
      if (same && same.kind === event.kind)
        waiting.set(key, { kind: event.kind, remaining: same.remaining + left, timeMs });
      else waiting.set(key, { kind: event.kind, remaining: left, timeMs });
    }
    return left;
  });
}

describe('wrapwatch run --dry-run', () => {
  it('prints, for the fixture log read from the beginning, one first result per source and the rest as follow-ups at SIGTERM', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, cases.map((c) => `${c.line}\n`).join(''));
    // A window longer than the test and no cap: every source's first refusal is printed at once,
    // everything after it is folded until the SIGTERM flush.
    await writeConfig(
      ws.configFile,
      testConfig(ws, null, {
        source: { start_at: 'beginning' },
        report: { host_name: 'e2e-host', output: '{host} {daemon} {service} {address}' },
        throttle: { window_seconds: 3600, max_results_per_minute: 100_000 },
        log: { stats_interval_seconds: 0.1 },
      }),
    );

    // The expectation: the labelled refusals, with times and counts as the parser reads them.
    const parser = new LineParser({ timeZone: 'UTC', now: () => Date.now() });
    const labelled = cases.filter((c) => c.expect !== null);
    const events = labelled.map((c) => {
      const result = parser.parseLine(c.line);
      if (result.kind !== 'refusal') throw new Error(`labelled as a refusal but not parsed as one: ${c.line}`);
      const label = c.expect as CorpusExpectation;
      expect([result.event.daemon, result.event.service, clientAddressOf(result.event), result.event.host]).toEqual([
        label.daemon,
        label.service,
        label.address,
        label.host,
      ]);
      return result.event;
    });
    const newRefusals = withoutXinetdPairs(events);
    const expected = new Map<string, number>();
    events.forEach((event, i) => {
      const n = newRefusals[i] ?? 0;
      if (n === 0) return;
      const key = sourceKey(event.host, event.daemon, event.service ?? event.daemon, clientAddressOf(event) ?? '');
      expected.set(key, (expected.get(key) ?? 0) + n);
    });
    const totalRefusals = events.reduce((sum, e) => sum + e.count, 0);
    const deduplicated = totalRefusals - newRefusals.reduce((a, b) => a + b, 0);
    expect(deduplicated).toBeGreaterThan(0);

    const daemon = startDaemon({ configFile: ws.configFile, dryRun: true });
    await daemon.started();
    const read = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.linesRead === cases.length);
    expect(read.fields).toMatchObject({ refusals: totalRefusals, refusalsDeduplicated: deduplicated });
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    // A trial run leaves no checkpoint behind: the real service must still report these lines.
    expect(existsSync(join(ws.stateDir, 'checkpoints.json'))).toBe(false);

    // stdout holds nothing but command-file lines.
    const out = daemon.stdoutLines;
    for (const line of out)
      expect(line).toMatch(
        /^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;.* \| refusals=\d+ sources=1$/,
      );
    const parsed = out.map((line) => {
      const m = /;2;(\S+) (\S+) (\S+) (\S+?)(: (\d+) more refusals?| at ).* \| refusals=(\d+) sources=1$/.exec(line);
      if (!m) throw new Error(`unexpected result: ${line}`);
      return {
        key: sourceKey(m[1] ?? '', m[2] ?? '', m[3] ?? '', m[4] ?? ''),
        followUp: m[6] !== undefined,
        refusals: Number(m[7]),
      };
    });
    const firsts = parsed.filter((p) => !p.followUp);
    const followUps = parsed.filter((p) => p.followUp);

    // One first result per source, each for one refusal, in the order the sources first appeared.
    expect(firsts.map((p) => p.key)).toEqual([...expected.keys()]);
    expect(firsts.every((p) => p.refusals === 1)).toBe(true);
    // A follow-up for every source with more, carrying exactly the rest.
    expect(new Map(followUps.map((p) => [p.key, p.refusals]))).toEqual(
      new Map([...expected].filter(([, n]) => n > 1).map(([key, n]) => [key, n - 1])),
    );
    expect(followUps).toHaveLength(new Set(followUps.map((p) => p.key)).size);
    // Every refusal in the log, less the second line of each xinetd pair, is in exactly one result.
    expect(parsed.reduce((sum, p) => sum + p.refusals, 0)).toBe(totalRefusals - deduplicated);
  });
});

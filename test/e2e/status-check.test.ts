import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  appendLines,
  createWorkspace,
  eventually,
  refusalLine,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';

useE2eLifecycle();

const T = '2026-11-21T15:39:34+00:00';

interface Outcome {
  readonly code: number | null;
  readonly line: string;
}

async function check(statusFile: string, ...args: string[]): Promise<Outcome> {
  const run = await runCli(['check', '-f', statusFile, ...args]);
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  // The plugin guidelines: exactly one line on stdout.
  expect(lines, `${run.stdout}${run.stderr}`).toHaveLength(1);
  return { code: run.code, line: lines[0] ?? '' };
}

/** Polls `check` until its exit code is `code` (and its line matches `line`, if given). */
function checkUntil(
  statusFile: string,
  code: number,
  args: string[],
  timeoutMs: number,
  line?: RegExp,
): Promise<Outcome> {
  let last: Outcome | null = null;
  return eventually(
    async () => {
      last = await check(statusFile, ...args);
      return last.code === code && (line === undefined || line.test(last.line)) ? last : undefined;
    },
    timeoutMs,
    () => `check to exit ${code}; last: ${JSON.stringify(last)}`,
  );
}

describe('wrapwatch status and check against a running daemon and a real nsca', () => {
  it('OK while the receiver is up; CRITICAL with the reason once it has been down past the threshold; CRITICAL once the daemon is killed', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'status test' });
    const ws = await createWorkspace();
    const statusFile = join(ws.dir, 'status.json');
    await writeFile(ws.logFile, '');
    // Windows long enough for the busiest-sources list to still show them.
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, {
        state: { status_file: statusFile, status_interval_seconds: 1 },
        throttle: { window_seconds: 60 },
      }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, [
      refusalLine('203.0.113.9', { time: T }),
      refusalLine('203.0.113.9', { time: T, pid: 2 }),
    ]);
    await nsca.waitForLines(1);
    // The status is rewritten every second: wait for the one written after the delivery.
    const up = await checkUntil(statusFile, 0, [], 10_000, /receiver up/);
    expect(up.line).toMatch(
      /^WRAPWATCH OK - following 1 log, 0 B behind; receiver up; 0 pending; 2 refusals in the last 5 min \| /,
    );
    expect(up.line).toMatch(/ behind=0B;1048576;16777216;0 /);
    expect(up.line).toMatch(/ pending=0;;;0 refusals_per_minute=2;;;0 since_delivery=[\d.]+s;;;0$/);

    // `status`, for a person and as JSON (read through --config, as an admin would).
    const text = await runCli(['status', '--config', ws.configFile]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^wrapwatch \\d+\\.\\d+\\.\\d+\\S*, pid ${daemon.pid}, running, up `));
    expect(text.stdout).toContain(`receiver: nsca 127.0.0.1:${nsca.port} UP since `);
    expect(text.stdout).toContain(`${ws.logFile}: offset `);
    expect(text.stdout).toMatch(/refusals\s+2\s+2\s+2\n/);
    expect(text.stdout).toMatch(/203\.0\.113\.9 -> sshd\/sshd on web1: 2 refusals/);
    const json = await runCli(['status', '--json', '-f', statusFile]);
    const doc = JSON.parse(json.stdout) as {
      pid: number;
      receiver: { state: string; lastDeliveryAt: string | null };
      daemon: { kind: string };
      counters: Record<string, unknown>;
    };
    expect(doc.pid).toBe(daemon.pid);
    expect(doc.daemon.kind).toBe('running');
    expect(doc.receiver.state).toBe('up');
    expect(doc.receiver.lastDeliveryAt).not.toBeNull();
    // Every counter is there, the ones never shown before included.
    for (const key of [
      'storms',
      'hostFallbacks',
      'otherSources',
      'dedupEvicted',
      'resultsInvalid',
      'refusalsDeduplicated',
      'refusalsFoldedTotal',
      'refusalsHeldBack',
      'truncations',
    ])
      expect(doc.counters).toHaveProperty(key);

    // The receiver goes away; the next result cannot be delivered.
    await nsca.stop();
    await appendLines(ws.logFile, [refusalLine('203.0.113.10', { time: T })]);
    const thresholds = ['-w', 'down=1', '-c', 'down=3'];
    const warning = await checkUntil(statusFile, 1, thresholds, 15_000);
    expect(warning.line).toMatch(
      new RegExp(
        `^WRAPWATCH WARNING - receiver 127\\.0\\.0\\.1:${nsca.port} \\(nsca\\) down for \\d s \\(unreachable: NSCA server 127\\.0\\.0\\.1:${nsca.port} refused the connection`,
      ),
    );
    const critical = await checkUntil(statusFile, 2, thresholds, 15_000);
    expect(critical.line).toMatch(
      new RegExp(
        `^WRAPWATCH CRITICAL - receiver 127\\.0\\.0\\.1:${nsca.port} \\(nsca\\) down for \\d s \\(unreachable: `,
      ),
    );
    expect(critical.line).toMatch(/ pending=1;;;0 /);
    const downText = await runCli(['status', '-f', statusFile]);
    expect(downText.stdout).toMatch(/receiver: nsca \S+ DOWN since /);
    expect(downText.stdout).toMatch(/last error .*: unreachable: NSCA server/);

    // A daemon that no longer runs its loop (stopped here; wedged in real life) stops rewriting
    // its status: past the age bound, check calls it CRITICAL even though its pid exists.
    daemon.signal('SIGSTOP');
    try {
      const stale = await checkUntil(statusFile, 2, ['-w', 'age=1,down=off', '-c', 'age=2,down=off'], 15_000);
      expect(stale.line).toMatch(
        /^WRAPWATCH CRITICAL - status file not updated for \d s \(daemon hung\?\) \| status_age=[\d.]+s;1;2;0 /,
      );
    } finally {
      daemon.signal('SIGCONT');
    }

    // The daemon is killed: its status file stays behind, and says nothing good any more.
    await daemon.crash();
    const dead = await check(statusFile);
    expect(dead.code).toBe(2);
    expect(dead.line).toMatch(
      new RegExp(
        `^WRAPWATCH CRITICAL - wrapwatch is not running: pid ${daemon.pid} is gone; status last written \\d+ s ago \\| `,
      ),
    );
    const deadText = await runCli(['status', '-f', statusFile]);
    expect(deadText.code).toBe(3);
    expect(deadText.stdout).toMatch(
      new RegExp(
        `^wrapwatch is NOT RUNNING: pid ${daemon.pid} is gone \\(killed or crashed\\); this status is \\d+ s old`,
      ),
    );
  }, 90_000);

  it('a log written faster than it is read: behind grows, then shrinks back to 0', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'behind test' });
    const ws = await createWorkspace();
    const statusFile = join(ws.dir, 'status.json');
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, { state: { status_file: statusFile, status_interval_seconds: 1 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    // Refusals from one address (one coalesced result per window), written in big appends.
    const chunk = `${Array.from({ length: 20_000 }, (_, i) => refusalLine('198.51.100.3', { time: T, pid: i })).join('\n')}\n`;
    const seen: number[] = [];
    const sample = async () => {
      try {
        const doc = JSON.parse(await readFile(statusFile, 'utf8')) as { sources: { bytesBehind: number }[] };
        seen.push(doc.sources[0]?.bytesBehind ?? -1);
      } catch {
        // Not written yet.
      }
    };
    // About 40 MB in a second: several seconds of reading at the daemon's pace.
    for (let i = 0; i < 25; i++) {
      await appendFile(ws.logFile, chunk);
      await sample();
    }
    const warnings: Outcome[] = [];
    let caughtUp: Outcome | null = null;
    const deadline = Date.now() + 60_000;
    while (caughtUp === null && Date.now() < deadline) {
      const now = await check(statusFile, '-w', 'behind=1024', '-c', 'behind=off');
      await sample();
      if (now.code === 0 && warnings.length > 0) caughtUp = now;
      else if (now.code !== 0) warnings.push(now);
    }
    const peakAt = seen.indexOf(Math.max(...seen));
    // Written faster than read: the status saw bytes waiting, more than a chunk's worth ...
    expect(seen[peakAt], `bytesBehind samples: ${seen.join(' ')}`).toBeGreaterThan(chunk.length);
    // ... and then none: the backlog is read. (Whether a sample also lands while it is part-read
    // depends on how many MB/s this machine reads against the 1 s status interval: not asserted.)
    expect(Math.min(...seen.slice(peakAt)), `bytesBehind samples: ${seen.join(' ')}`).toBe(0);
    expect(seen[seen.length - 1]).toBe(0);
    // While behind, check warned (and only warned: the critical range is off) ...
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) expect(w.line).toMatch(/^WRAPWATCH WARNING - [\d.]+ [KMG]?i?B of log not read yet \| /);
    // ... and once caught up, it is OK again.
    expect(caughtUp?.line).toMatch(/^WRAPWATCH OK - following 1 log, 0 B behind; /);
    expect(caughtUp?.line).toMatch(/ behind=0B;1024;;0 /);
    daemon.signal('SIGTERM');
    await daemon.waitForExit(30_000);
  }, 120_000);
});

import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  readLines,
  refusalLine,
  refusalsOf,
  sleep,
  startDaemon,
  testConfig,
  writeConfig,
  type Workspace,
  startReceiver,
  useE2eLifecycle,
  type DaemonProcess,
} from '../helpers/daemon-process.js';
import { freePort } from '../helpers/child-process.js';
import { withoutTimestamp, type NscaServer } from '../helpers/nsca-server.js';

useE2eLifecycle();

/** The i-th distinct attacker: each one's first refusal is reported at once. */
const address = (i: number) => `10.20.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Writes refusals `from` .. `to - 1` in small batches, a little apart, like a busy syslog. */
async function writeRefusals(file: string, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 5) {
    const batch: string[] = [];
    for (let j = i; j < Math.min(to, i + 5); j++) batch.push(refusalLine(address(j), { pid: 1000 + j }));
    await appendLines(file, batch);
    await sleep(10);
  }
}

/** The attacker addresses found in the command file, with how often each was reported. */
async function reported(nsca: NscaServer): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const line of await nsca.readCommandFile()) {
    const m = /Denied sshd from (\S+) /.exec(line);
    if (m?.[1] !== undefined) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  }
  return seen;
}

async function everyAddressDelivered(nsca: NscaServer, count: number): Promise<Map<string, number>> {
  let missing: string[] = [];
  return eventually(
    async () => {
      const seen = await reported(nsca);
      missing = Array.from({ length: count }, (_, i) => address(i)).filter((a) => !seen.has(a));
      return missing.length === 0 ? seen : undefined;
    },
    15_000,
    () => `every address in the command file; ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
  );
}

/**
 * Waits until the daemon has logged `n` more stats lines. With stats every 0.1 s and commits
 * every 0.2 s on the same event loop, its own timers (the commit timer among them) have then had
 * `n` x 0.1 s, however loaded the machine: a fixed sleep gives a starved daemon no such promise.
 */
async function statsTicks(daemon: DaemonProcess, n: number): Promise<void> {
  const from = daemon.mark();
  await eventually(
    () => (daemon.records(from).filter((r) => r.msg === 'stats').length >= n ? true : undefined),
    15_000,
    `${n} more stats lines`,
  );
}

async function setUp(): Promise<{ ws: Workspace; nsca: NscaServer }> {
  const nsca = await startReceiver({ decryptionMethod: 1, password: 'crash test' });
  const ws = await createWorkspace();
  await writeFile(ws.logFile, '');
  // Distinct addresses, short windows and no cap: every address written yields a result of its own.
  await writeConfig(
    ws.configFile,
    testConfig(ws, nsca, { throttle: { window_seconds: 0.2, max_results_per_minute: 100_000 } }),
  );
  return { ws, nsca };
}

describe('wrapwatch run restarted after SIGKILL', () => {
  it('delivers every address at least once across rotation mid-stream and two SIGKILLs', async () => {
    const { ws, nsca } = await setUp();
    const total = 300;

    const first = startDaemon({ configFile: ws.configFile });
    await first.started();
    await writeRefusals(ws.logFile, 0, 100);
    // Killed mid-stream: some lines are likely read but not sent, or not read at all.
    await first.crash();
    await writeRefusals(ws.logFile, 100, 150);

    const second = startDaemon({ configFile: ws.configFile });
    await second.started();
    await writeRefusals(ws.logFile, 150, 200);
    // logrotate's default: rename, create an empty file; the writer adds a few late lines to the
    // old file until its HUP arrives, then writes to the new one.
    await rename(ws.logFile, `${ws.logFile}.1`);
    await writeFile(ws.logFile, '');
    await writeRefusals(`${ws.logFile}.1`, 200, 210);
    await writeRefusals(ws.logFile, 210, 240);
    // Killed right after the rotation, with the old file possibly still being read.
    await second.crash();
    await writeRefusals(ws.logFile, 240, 270);

    const third = startDaemon({ configFile: ws.configFile });
    await third.started();
    await writeRefusals(ws.logFile, 270, total);

    const seen = await everyAddressDelivered(nsca, total);
    // Nothing was made up on the way: only the addresses written, each at least once.
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: total }, (_, i) => address(i)).sort());
    third.signal('SIGTERM');
    expect(await third.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('a daemon killed before it read a single line still reports what was written while it was down (start_at = "end")', async () => {
    const { ws, nsca } = await setUp();
    await appendLines(ws.logFile, [refusalLine('192.0.2.99', { pid: 9 })]);

    const first = startDaemon({ configFile: ws.configFile });
    await first.started();
    await first.crash();
    // Written after the first start had chosen the end of the file as its starting point.
    await writeRefusals(ws.logFile, 0, 10);

    const second = startDaemon({ configFile: ws.configFile });
    await second.started();
    await writeRefusals(ws.logFile, 10, 20);
    const seen = await everyAddressDelivered(nsca, 20);
    // The line from before the very first start stays unreported.
    expect(seen.has('192.0.2.99')).toBe(false);
    second.signal('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('re-reads refusals that were folded in a window when it was killed, and reports them after the restart', async () => {
    const { ws, nsca } = await setUp();
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, { throttle: { window_seconds: 3600 }, log: { stats_interval_seconds: 0.1 } }),
    );
    const first = startDaemon({ configFile: ws.configFile });
    await first.started();
    const at = (s: number) => `2026-11-21T15:41:0${s}+00:00`;
    await appendLines(
      ws.logFile,
      [1, 2, 3, 4, 5].map((s) => refusalLine('203.0.113.50', { pid: 50 + s, time: at(s) })),
    );
    await nsca.waitForLines(1);
    await first.waitForLog((r) => r.msg === 'stats' && r.fields.refusalsFolded === 4);
    // Several commit intervals pass while four refusals wait for the window's end.
    await statsTicks(first, 6);
    await first.crash();

    const second = startDaemon({ configFile: ws.configFile });
    await second.started();
    await second.waitForLog((r) => r.msg === 'stats' && r.fields.refusals === 5);
    second.signal('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });
    // The checkpoint had stayed before the folded lines: they were read again and reported.
    const lines = (await nsca.readCommandFile()).map(withoutTimestamp);
    expect(lines).toContain(
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.50: 4 more refusals from ${at(2)} to ${at(5)} | refusals=4 sources=1`,
    );
  });

  it('re-reads refusals the sink still held for an absent receiver when it was killed', async () => {
    const ws = await createWorkspace();
    const commandFile = join(ws.dir, 'nagios.cmd');
    await writeFile(commandFile, '');
    await writeFile(ws.logFile, '');
    // No receiver listens on this port: the results stay with the sink.
    const absent = { port: await freePort(), decryptionMethod: 1, password: 'crash test' };
    const config = (receiver: typeof absent) => testConfig(ws, receiver, { log: { stats_interval_seconds: 0.1 } });
    await writeConfig(ws.configFile, config(absent));

    const first = startDaemon({ configFile: ws.configFile });
    await first.started();
    await writeRefusals(ws.logFile, 0, 20);
    await first.waitForLog((r) => r.msg === 'stats' && r.fields.refusals === 20 && r.fields.resultsPending === 20);
    // Several commit intervals pass while the sink holds every result.
    await statsTicks(first, 6);
    await first.crash();

    // The receiver comes up on a port of its own (no waiting for the old one to be free again),
    // and the restarted daemon is pointed at it.
    const after = await startReceiver({ decryptionMethod: 1, password: 'crash test', commandFile });
    await writeConfig(ws.configFile, config(after));
    const second = startDaemon({ configFile: ws.configFile });
    await second.started();
    const lines = await eventually(
      async () => {
        const now = await readLines(commandFile);
        return now.length >= 20 ? now : undefined;
      },
      10_000,
      '20 results in the command file',
    );
    expect(lines.reduce((sum, line) => sum + refusalsOf(line), 0)).toBe(20);
    expect(new Set(lines.map((line) => /from (\S+) /.exec(line)?.[1]))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => address(i))),
    );
    second.signal('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

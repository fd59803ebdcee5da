import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  refusalLine,
  sleep,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';
import { FakeNotifySocket, stopNotifySockets } from '../helpers/fake-notify-socket.js';

useE2eLifecycle();
afterEach(stopNotifySockets);

const T = '2026-11-21T15:39:34+00:00';
const WATCHDOG_MS = 1200;

describe('wrapwatch run under systemd (Type=notify), with a fake notification socket', () => {
  it('says READY once following, keeps STATUS current, pings the watchdog at half its interval, RELOADING/READY on SIGHUP, STOPPING on SIGTERM', async () => {
    const socket = await FakeNotifySocket.start();
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'notify test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    const runtimeDir = join(ws.dir, 'run');
    await writeConfig(ws.configFile, testConfig(ws, nsca, { state: { status_interval_seconds: 1 } }));
    await mkdir(runtimeDir);
    const daemon = startDaemon({
      configFile: ws.configFile,
      env: {
        NOTIFY_SOCKET: socket.path,
        WATCHDOG_USEC: String(WATCHDOG_MS * 1000),
        WATCHDOG_PID: '',
        RUNTIME_DIRECTORY: runtimeDir,
      },
    });
    await daemon.started();

    const ready = await socket.waitFor((f) => f.READY === '1', 'READY=1');
    // READY comes with the first STATUS, after the log is open: the status says what is followed.
    expect(ready.fields.STATUS).toBe(
      'following 1 log, 0 B behind; receiver not tried yet; 0 pending; 0 refusals in the last 5 min',
    );
    // The status file goes where systemd's RuntimeDirectory= is, without any config for it.
    await sleep(300);
    expect(existsSync(join(runtimeDir, 'status.json'))).toBe(true);

    // A refusal is delivered: the line shows the receiver up and the refusal counted.
    await appendLines(ws.logFile, [refusalLine('203.0.113.7', { time: T })]);
    await nsca.waitForLines(1);
    await socket.waitFor(
      (f) => f.STATUS === 'following 1 log, 0 B behind; receiver up; 0 pending; 1 refusal in the last 5 min',
      'STATUS with the receiver up and 1 refusal',
    );

    // Watchdog pings: every WATCHDOG_USEC / 2, from the daemon's event loop.
    const pingsFrom = socket.with('WATCHDOG').length;
    await sleep(WATCHDOG_MS * 3);
    const pings = socket.with('WATCHDOG').slice(pingsFrom);
    expect(pings.length).toBeGreaterThanOrEqual(4);
    expect(pings.length).toBeLessThanOrEqual(7);
    const gaps = pings.slice(1).map((p, i) => p.at - (pings[i]?.at ?? 0));
    // A ping may ride a little late on a loaded machine, never so late that systemd would kill.
    for (const gap of gaps) expect(gap).toBeLessThan(WATCHDOG_MS);
    const medianGap = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    expect(medianGap).toBeGreaterThan(WATCHDOG_MS / 2 - 150);
    expect(medianGap).toBeLessThan(WATCHDOG_MS / 2 + 250);

    // SIGHUP: RELOADING=1 (with MONOTONIC_USEC, as systemd 253+ asks), then READY=1 again.
    const beforeReload = socket.messages.length;
    daemon.signal('SIGHUP');
    await daemon.waitForLog('configuration reloaded');
    const reloading = await socket.waitFor((f) => f.RELOADING === '1', 'RELOADING=1', { after: beforeReload });
    expect(Number(reloading.fields.MONOTONIC_USEC)).toBeGreaterThan(0);
    const readyAgain = await socket.waitFor((f) => f.READY === '1', 'READY=1 after the reload', {
      after: beforeReload,
    });
    expect(readyAgain.at).toBeGreaterThan(reloading.at);

    // SIGTERM: STOPPING=1, and the daemon exits 0 having sent it.
    const beforeStop = socket.messages.length;
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    const stopping = await socket.waitFor((f) => f.STOPPING === '1', 'STOPPING=1', { after: beforeStop });
    expect(stopping.fields.STATUS).toMatch(/^stopping: following 1 log/);
    // No ping after STOPPING: the watchdog ends with the service.
    expect(socket.messages.filter((m) => m.at > stopping.at && 'WATCHDOG' in m.fields)).toEqual([]);
    // The status file counts what was sent to systemd.
    const final = JSON.parse(await readFile(join(runtimeDir, 'status.json'), 'utf8')) as {
      state: string;
      counters: Record<string, number>;
    };
    expect(final.state).toBe('stopped');
    expect(final.counters.systemdNotifications).toBeGreaterThanOrEqual(8);
    expect(final.counters.systemdNotifyFailures).toBe(0);
    // Every message came from the daemon's own children (systemd-notify) or itself, each with
    // a barrier that waited for the reply, which is what lets PID 1 attribute it to the unit.
    expect(socket.with('BARRIER').length).toBe(socket.messages.length / 2);
  }, 60_000);

  it('outside systemd (no NOTIFY_SOCKET) writes no status file and sends nothing', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, null));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await sleep(1500);
    daemon.signal('SIGTERM');
    await daemon.waitForExit(15_000);
    expect((await readdir(ws.dir)).sort()).toEqual(['secure', 'state', 'wrapwatch.toml']);
  }, 30_000);
});

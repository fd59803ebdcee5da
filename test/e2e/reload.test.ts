import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  refusalLine,
  startDaemon,
  testConfig,
  writeConfig,
  startReceiver,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';
import { withoutTimestamp } from '../helpers/nsca-server.js';
import { startWedgedReceiver } from '../helpers/wedged-receiver.js';

useE2eLifecycle();

const T = '2026-11-21T15:39:34+00:00';

describe('wrapwatch run on SIGHUP', () => {
  it('applies a changed service, output, status and rule to the next result, and keeps running on a broken config', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'reload test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, [refusalLine('203.0.113.10', { pid: 10, time: T })]);
    const [first] = await nsca.waitForLines(1);
    expect(withoutTimestamp(first ?? '')).toBe(
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.10 at ${T} | refusals=1 sources=1`,
    );

    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, {
        report: {
          host_name: 'e2e-host',
          service: 'TCP Wrappers reloaded',
          status: 1,
          output: 'Refused {daemon} {address} on {host}',
        },
        rule: [{ daemons: 'in.telnetd', clients: 'ALL', ignore: true }],
      }),
    );
    let mark = daemon.mark();
    daemon.signal('SIGHUP');
    const reloaded = await daemon.waitForLog('configuration reloaded', { after: mark });
    expect(reloaded.fields.needRestart).toEqual([]);

    await appendLines(ws.logFile, [
      refusalLine('203.0.113.11', { pid: 11, time: T }),
      // Ignored by the new rule; the sshd line after it shows it was read.
      refusalLine('203.0.113.12', { pid: 12, time: T, daemon: 'in.telnetd' }),
      refusalLine('203.0.113.13', { pid: 13, time: T }),
    ]);
    const afterReload = (await nsca.waitForLines(3)).map(withoutTimestamp);
    expect(afterReload.slice(1)).toEqual([
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers reloaded;1;Refused sshd 203.0.113.11 on web1 at ${T} | refusals=1 sources=1`,
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers reloaded;1;Refused sshd 203.0.113.13 on web1 at ${T} | refusals=1 sources=1`,
    ]);

    // A broken file: the bad field is named, the running configuration stays.
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, {
        report: { host_name: 'e2e-host', service: 'Must Not Apply' },
        throttle: { max_results_per_minute: 0 },
      }),
    );
    mark = daemon.mark();
    daemon.signal('SIGHUP');
    const bad = await daemon.waitForLog('bad configuration field', { after: mark });
    expect(bad.level).toBe(50);
    expect(bad.fields).toMatchObject({ file: ws.configFile, field: 'throttle.max_results_per_minute' });
    expect(daemon.running()).toBe(true);

    await appendLines(ws.logFile, [refusalLine('203.0.113.14', { pid: 14, time: T })]);
    const lines = (await nsca.waitForLines(4)).map(withoutTimestamp);
    expect(lines[3]).toBe(
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers reloaded;1;Refused sshd 203.0.113.14 on web1 at ${T} | refusals=1 sources=1`,
    );
    expect(daemon.records(mark).filter((r) => r.msg.startsWith('configuration reloaded'))).toEqual([]);

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await nsca.readCommandFile()).toHaveLength(4);
  });

  it('applies the file as it is after the last SIGHUP, even when the reload before it answers last', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'reload test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    // The first reload's file takes its password from a FIFO: its loader process waits on it
    // until the test writes, long after the second file is in place.
    const fifo = join(ws.dir, 'password.fifo');
    await promisify(execFile)('mkfifo', ['-m', '0600', fifo]);
    const older = testConfig(ws, nsca, { report: { host_name: 'e2e-host', service: 'Older File' } });
    const { password: _password, ...nscaKeys } = older.nsca as Record<string, unknown>;
    await writeConfig(ws.configFile, { ...older, nsca: { ...nscaKeys, password_file: fifo } });
    const mark = daemon.mark();
    daemon.signal('SIGHUP');
    // Opening for writing without blocking succeeds once the loader has the FIFO open: it has
    // read the config file by then. Held open and empty, the loader waits in its read.
    const writer = await eventually(
      () => {
        try {
          return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          return undefined;
        }
      },
      10_000,
      'the loader to open the password FIFO',
    );
    try {
      await writeConfig(
        ws.configFile,
        testConfig(ws, nsca, { report: { host_name: 'e2e-host', service: 'Newest File' } }),
      );
      daemon.signal('SIGHUP');
      await daemon.waitForLog('SIGHUP during a reload: reading the file again once this one is done', { after: mark });
      writeSync(writer, 'reload test\n');
    } finally {
      closeSync(writer);
    }
    await eventually(
      () => (daemon.records(mark).filter((r) => r.msg === 'configuration reloaded').length >= 2 ? true : undefined),
      10_000,
      () => `two reloads applied:\n${daemon.tail()}`,
    );

    await appendLines(ws.logFile, [refusalLine('203.0.113.20', { pid: 20, time: T })]);
    const [result] = (await nsca.waitForLines(1)).map(withoutTimestamp);
    expect(result).toBe(
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;Newest File;2;Denied sshd from 203.0.113.20 at ${T} | refusals=1 sources=1`,
    );
    expect(daemon.records(mark).filter((r) => r.msg === 'configuration reloaded')).toHaveLength(2);

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('does not reload on a SIGHUP during the stop: the daemon stays "stopping" and exits', async () => {
    // Takes the result and never closes: the stop waits for it (up to nsca.timeout_seconds).
    const wedged = await startWedgedReceiver({ readPackets: 10 });
    try {
      const ws = await createWorkspace();
      await writeFile(ws.logFile, '');
      await writeConfig(
        ws.configFile,
        testConfig(
          ws,
          { port: wedged.port, password: 'x', decryptionMethod: 1 },
          { nsca: { timeout_seconds: 3 }, state: { stop_timeout_seconds: 10 } },
        ),
      );
      const daemon = startDaemon({ configFile: ws.configFile });
      await daemon.started();
      await appendLines(ws.logFile, [refusalLine('203.0.113.30', { pid: 30, time: T })]);
      await eventually(() => (wedged.bytesRead() > 0 ? true : undefined), 10_000, 'the result to reach the receiver');

      const mark = daemon.mark();
      daemon.signal('SIGTERM');
      await daemon.waitForLog('stopping: delivering what is pending', { after: mark });
      daemon.signal('SIGHUP');
      await daemon.waitForLog('SIGHUP while stopping: not reloading', { after: mark });
      expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
      expect(daemon.records(mark).filter((r) => r.msg.startsWith('configuration reloaded'))).toEqual([]);
    } finally {
      await wedged.stop();
    }
  });
});

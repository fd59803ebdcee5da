import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  refusalLine,
  startDaemon,
  testConfig,
  writeConfig,
  startReceiver,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';
import { withoutTimestamp } from '../helpers/nsca-server.js';

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
});

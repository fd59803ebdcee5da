import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
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
import { startNagios, type NagiosServer, type ServiceStatus } from '../helpers/nagios-server.js';

useE2eLifecycle();

const PASSWORD = 'nagios test';
/** README's freshness command: a stale result means wrapwatch stopped reporting, which is UNKNOWN, not OK. */
const FRESHNESS_COMMAND = 'check_dummy!3!"no result from wrapwatch"';

const nagioses: NagiosServer[] = [];
afterEach(async () => {
  await Promise.all(nagioses.splice(0).map((n) => n.stop()));
});

async function nagios(freshnessThresholdSeconds: number): Promise<NagiosServer> {
  const started = await startNagios({ freshnessCommand: FRESHNESS_COMMAND, freshnessThresholdSeconds });
  nagioses.push(started);
  return started;
}

function statusWhere(
  server: NagiosServer,
  accept: (s: ServiceStatus) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ServiceStatus> {
  let last: ServiceStatus | null = null;
  return eventually(
    async () => {
      last = await server.serviceStatus('firestorm', 'TCP Wrappers');
      return last !== null && accept(last) ? last : undefined;
    },
    timeoutMs,
    () => `${what}; status.dat has ${JSON.stringify(last)}`,
  );
}

describe('wrapwatch, the real nsca and the real Nagios 4', () => {
  it('a refusal written to the followed log turns the service CRITICAL in status.dat, with wrapwatch output and perfdata', async () => {
    const core = await nagios(3600);
    const nsca = await startReceiver({ decryptionMethod: 1, password: PASSWORD, commandFile: core.commandFile });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca, { report: { host_name: 'firestorm' } }));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, [refusalLine('203.0.113.9', { pid: 77, time: '2026-11-21T15:39:34+00:00' })]);
    const status = await statusWhere(core, (s) => s.currentState === 2, 15_000, 'the service to turn CRITICAL');
    expect(status).toMatchObject({
      currentState: 2,
      checkType: 1,
      pluginOutput: 'Denied sshd from 203.0.113.9 at 2026-11-21T15:39:34+00:00',
      performanceData: 'refusals=1 sources=1',
    });
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("README's freshness example: heartbeats keep the service OK; a stopped wrapwatch turns it UNKNOWN after the threshold", async () => {
    const threshold = 4;
    const core = await nagios(threshold);
    const nsca = await startReceiver({ decryptionMethod: 1, password: PASSWORD, commandFile: core.commandFile });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, { report: { host_name: 'firestorm', heartbeat_seconds: 1 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    const alive = await statusWhere(
      core,
      (s) => s.checkType === 1 && s.currentState === 0,
      15_000,
      'a heartbeat to make the service OK',
    );
    // Nagios shows a ";" in plugin output as ":" (it separates fields in its own files).
    expect(alive.pluginOutput).toBe('OK: no refusals reported in the last 1s: wrapwatch is running');
    // Longer than the threshold: the heartbeats keep it fresh.
    await new Promise((resolve) => setTimeout(resolve, (threshold + 2) * 1000));
    expect(await core.serviceStatus('firestorm', 'TCP Wrappers')).toMatchObject({ currentState: 0, checkType: 1 });

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    const stoppedAt = Date.now();
    const stale = await statusWhere(
      core,
      (s) => s.checkType === 0,
      (threshold + 15) * 1000,
      'the freshness check to run check_dummy',
    );
    expect(stale).toMatchObject({ currentState: 3, pluginOutput: 'UNKNOWN: no result from wrapwatch' });
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual((threshold - 1) * 1000);
  });
});

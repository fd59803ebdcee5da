/**
 * `wrapwatch run` with `[output] type = "icinga2"` against the real Debian Icinga 2 (one daemon
 * for the file; restarted by the outage test): refusals from the followed log read back through
 * the API and Icinga's record of every processed result; an outage with 1,000 sources and a
 * SIGKILL in the middle lose nothing; wrong credentials, an untrusted certificate and an unknown
 * object each give their own log line and stats reason; SIGHUP switches from NSCA-ng to Icinga 2
 * holding what is pending.
 */
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  refusalLine,
  startDaemon,
  testConfig,
  writeConfig,
  useE2eLifecycle,
  type Workspace,
  type ConfigTables,
  textOf,
} from '../helpers/daemon-process.js';
import { API_USER, startIcinga2, type Icinga2Server } from '../helpers/icinga2-server.js';
import { DEFAULT_IDENTITY } from '../helpers/nsca-ng-server.js';

useE2eLifecycle();

let icinga: Icinga2Server;
beforeAll(async () => {
  icinga = await startIcinga2();
}, 90_000);
afterAll(async () => {
  await icinga.stop();
});

function icingaConfig(
  ws: Workspace,
  icinga2: Record<string, unknown> = {},
  overrides: ConfigTables = {},
): ConfigTables {
  return testConfig(ws, null, {
    output: { type: 'icinga2' },
    icinga2: {
      url: icinga.url,
      user: API_USER.user,
      password: API_USER.password,
      ca_file: icinga.caFile,
      server_name: icinga.serverName,
      timeout_seconds: 2,
      ...icinga2,
    },
    // The Icinga objects of the test config: host firestorm, service TCP Wrappers.
    report: { host_name: 'firestorm' },
    ...overrides,
  });
}

const address = (i: number) => `10.40.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** How often each address was processed by Icinga (its PerfdataWriter's record). */
async function processedAddresses(prefix = ''): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const line of await icinga.processedResults()) {
    const m = /OUTPUT=Denied sshd from (\S+) /.exec(line);
    if (m?.[1] !== undefined && !m[1].startsWith(prefix)) continue;
    if (m?.[1] !== undefined) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  }
  return seen;
}

describe('wrapwatch run with the Icinga 2 API', () => {
  it('delivers refusals from the followed log; Icinga holds exactly the state, output and performance data', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, icingaConfig(ws));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('203.0.113.77', { pid: 4711 })]);
    const line = await eventually(
      async () => (await icinga.processedResults()).find((l) => l.includes('203.0.113.77')),
      15_000,
      'Icinga to process the result',
    );
    expect(line).toBe(
      'firestorm!TCP Wrappers\tSTATE=2\tOUTPUT=Denied sshd from 203.0.113.77 at 2026-11-21T15:39:34+00:00\tPERF=refusals=1 sources=1',
    );
    const attrs = await icinga.service('firestorm', 'TCP Wrappers');
    expect(attrs.state).toBe(2);
    expect(attrs.last_check_result).toMatchObject({
      output: 'Denied sshd from 203.0.113.77 at 2026-11-21T15:39:34+00:00',
      performance_data: ['refusals=1', 'sources=1'],
    });
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('wrong password, untrusted certificate, unknown object: each its own error line and stats reason; nothing counted as sent', async () => {
    const cases = [
      {
        settings: { password: 'wrong' },
        host: 'firestorm',
        line: /refused the credentials of user "wrapwatch" \(401/,
        statsKey: 'deliveryFailuresByReason',
        reason: 'rejected',
      },
      {
        settings: { ca_file: icinga.otherCaFile },
        host: 'firestorm',
        line: /certificate that fails verification/,
        statsKey: 'deliveryFailuresByReason',
        reason: 'untrusted',
      },
      {
        settings: {},
        host: 'nohost',
        line: /has no service "nohost!TCP Wrappers".*define it: object Service "TCP Wrappers" \{ host_name = "nohost"/,
        statsKey: 'resultsRefusedByReason',
        reason: 'unknown-object',
      },
    ] as const;
    for (const c of cases) {
      const ws = await createWorkspace();
      await writeFile(ws.logFile, '');
      await writeConfig(
        ws.configFile,
        icingaConfig(ws, c.settings, { report: { host_name: c.host }, log: { stats_interval_seconds: 0.2 } }),
      );
      const daemon = startDaemon({ configFile: ws.configFile });
      await daemon.started();
      await appendLines(ws.logFile, [refusalLine('198.51.100.66', { pid: 66 })]);
      const error = await daemon.waitForLog(
        (r) => r.level >= 50 && c.line.test(`${r.msg} ${textOf(r.fields.problem)}`),
      );
      expect(error.fields.receiver).toBe(icinga.url);
      const stats = await daemon.waitForLog(
        (r) =>
          r.msg === 'stats' && ((r.fields[c.statsKey] as Record<string, number> | undefined)?.[c.reason] ?? 0) >= 1,
      );
      // Nothing counted as sent that Icinga did not take.
      expect(stats.fields.resultsSent).toBe(0);
      if (c.reason === 'unknown-object') {
        // Dropped and counted, not retried; logged once per object, however many results.
        await appendLines(ws.logFile, [refusalLine('198.51.100.67', { pid: 67 })]);
        await daemon.waitForLog(
          (r) =>
            r.msg === 'stats' && (r.fields.resultsRefusedByReason as Record<string, number>)['unknown-object'] === 2,
        );
        expect(daemon.records().filter((r) => r.level >= 50)).toHaveLength(1);
        expect(stats.fields.resultsPending).toBe(0);
      }
      daemon.signal('SIGTERM');
      await daemon.waitForExit(15_000);
    }
    expect([...(await processedAddresses()).keys()]).not.toContain('198.51.100.66');
  }, 60_000);

  it('SIGHUP from NSCA-ng (unreachable) to Icinga 2: what was pending is delivered to Icinga', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    const nscaNg = testConfig(ws, null, {
      output: { type: 'nsca-ng' },
      nsca_ng: {
        host: '127.0.0.1',
        port: 9,
        identity: DEFAULT_IDENTITY.identity,
        password: DEFAULT_IDENTITY.password,
        timeout_seconds: 1,
      },
      report: { host_name: 'firestorm' },
    });
    await writeConfig(ws.configFile, nscaNg);
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('192.0.2.201', { pid: 201 }), refusalLine('192.0.2.202', { pid: 202 })]);
    await daemon.waitForLog((r) => r.level >= 40 && /unreachable/i.test(r.msg));
    await writeConfig(ws.configFile, icingaConfig(ws));
    daemon.signal('SIGHUP');
    await eventually(
      async () => {
        const seen = await processedAddresses();
        return seen.has('192.0.2.201') && seen.has('192.0.2.202') ? seen : undefined;
      },
      15_000,
      'both held results processed by Icinga',
    );
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('--dry-run prints the JSON body Icinga 2 would get', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, icingaConfig(ws));
    const daemon = startDaemon({ configFile: ws.configFile, dryRun: true });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('192.0.2.45', { pid: 45 })]);
    const line = await eventually(
      () => daemon.stdoutLines.find((l) => l.includes('192.0.2.45')),
      10_000,
      'the dry-run line',
    );
    const body = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'Service',
      service: 'firestorm!TCP Wrappers',
      exit_status: 2,
      plugin_output: 'Denied sshd from 192.0.2.45 at 2026-11-21T15:39:34+00:00',
      performance_data: ['refusals=1', 'sources=1'],
    });
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  // These two restart the shared Icinga; they come last.
  it('1,000 sources while Icinga is stopped: every one processed once it is started again, none counted sent before', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      icingaConfig(
        ws,
        {},
        { throttle: { window_seconds: 0.2, max_results_per_minute: 100_000 }, log: { stats_interval_seconds: 0.2 } },
      ),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await icinga.stop({ keepDir: true });
    const outage = (i: number) => `10.41.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    for (let i = 0; i < 1000; i += 100)
      await appendLines(
        ws.logFile,
        Array.from({ length: 100 }, (_, j) => refusalLine(outage(i + j), { pid: 1000 + i + j })),
      );
    const held = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsPending === 1000);
    expect(held.fields.resultsSent).toBe(0);
    const returned = daemon.mark();
    icinga = await startIcinga2({ restartOf: icinga });
    let missing: string[] = [];
    const seen = await eventually(
      async () => {
        const now = await processedAddresses('10.41.');
        missing = Array.from({ length: 1000 }, (_, i) => outage(i)).filter((a) => !now.has(a));
        return missing.length === 0 ? now : undefined;
      },
      60_000,
      () => `every address processed by Icinga; ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const after = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsPending === 0, {
      after: returned,
      timeoutMs: 30_000,
    });
    expect(after.fields.resultsSent).toBe(1000);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 120_000);

  // Last: it restarts the shared Icinga.
  it('1,000 sources during an outage and a SIGKILL in the middle: every one processed once Icinga is back', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      icingaConfig(ws, {}, { throttle: { window_seconds: 0.2, max_results_per_minute: 100_000 } }),
    );
    let daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await icinga.stop({ keepDir: true });
    for (let i = 0; i < 1000; i += 100)
      await appendLines(
        ws.logFile,
        Array.from({ length: 100 }, (_, j) => refusalLine(address(i + j), { pid: 1000 + i + j })),
      );
    await daemon.waitForLog((r) => r.level >= 40 && /unreachable/i.test(r.msg));
    await daemon.crash();

    icinga = await startIcinga2({ restartOf: icinga });
    daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    let missing: string[] = [];
    const seen = await eventually(
      async () => {
        const now = await processedAddresses('10.40.');
        missing = Array.from({ length: 1000 }, (_, i) => address(i)).filter((a) => !now.has(a));
        return missing.length === 0 ? now : undefined;
      },
      60_000,
      () => `every address processed by Icinga; ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
    expect(seen.size).toBe(1000);
    // Icinga was down before the first of them: none can have been taken twice.
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});

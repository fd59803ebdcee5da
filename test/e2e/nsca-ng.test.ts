/**
 * `wrapwatch run` with `[output] type = "nsca-ng"` against the real Debian nsca-ng server:
 * refusals from the followed log read back from the command FIFO exactly; an outage with 1,000
 * sources and a SIGKILL in the middle lose nothing; a wrong key is a clear error and nothing
 * counts as delivered until the server confirms.
 */
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
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
import {
  DEFAULT_IDENTITY,
  startNscaNgServer,
  withoutTimestamp,
  type NscaNgServer,
  type NscaNgServerOptions,
} from '../helpers/nsca-ng-server.js';

useE2eLifecycle();

const servers: NscaNgServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: NscaNgServerOptions = {}): Promise<NscaNgServer> {
  const started = await startNscaNgServer(options);
  servers.push(started);
  return started;
}

function ngConfig(
  ws: Workspace,
  port: number,
  nscaNg: Record<string, unknown> = {},
  overrides: ConfigTables = {},
): ConfigTables {
  return testConfig(ws, null, {
    output: { type: 'nsca-ng' },
    nsca_ng: {
      host: '127.0.0.1',
      port,
      identity: DEFAULT_IDENTITY.identity,
      password: DEFAULT_IDENTITY.password,
      timeout_seconds: 2,
      ...nscaNg,
    },
    ...overrides,
  });
}

/** The i-th distinct attacker. */
const address = (i: number) => `10.30.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Every address's count across all servers' command lines. */
function reported(all: readonly NscaNgServer[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const srv of all) {
    for (const line of srv.lines()) {
      const m = /Denied sshd from (\S+) /.exec(line);
      if (m?.[1] !== undefined) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
    }
  }
  return seen;
}

async function everyAddress(
  all: () => readonly NscaNgServer[],
  count: number,
  timeoutMs = 30_000,
): Promise<Map<string, number>> {
  let missing: string[] = [];
  return eventually(
    () => {
      const seen = reported(all());
      missing = Array.from({ length: count }, (_, i) => address(i)).filter((a) => !seen.has(a));
      return missing.length === 0 ? seen : undefined;
    },
    timeoutMs,
    () => `every address at the NSCA-ng server; ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
  );
}

describe('wrapwatch run with NSCA-ng', () => {
  it('delivers refusals from the followed log; the command lines read back exactly', async () => {
    const srv = await server();
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, ngConfig(ws, srv.port));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [
      refusalLine('203.0.113.5', { pid: 4711 }),
      refusalLine('2001:db8::7', { pid: 4712, daemon: 'in.telnetd', client: 'evil;user@x|y' }),
    ]);
    const lines = (await srv.waitForLines(2)).map(withoutTimestamp);
    expect(lines).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.5 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied in.telnetd from 2001:db8::7 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
    ]);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(srv.lines()).toHaveLength(2);
  });

  it('1,000 sources while the server is stopped: every one delivered once it is started again, none counted sent before', async () => {
    const first = await server();
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      ngConfig(
        ws,
        first.port,
        {},
        { throttle: { window_seconds: 0.2, max_results_per_minute: 100_000 }, log: { stats_interval_seconds: 0.2 } },
      ),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await first.stop();
    for (let i = 0; i < 1000; i += 100)
      await appendLines(
        ws.logFile,
        Array.from({ length: 100 }, (_, j) => refusalLine(address(i + j), { pid: 1000 + i + j })),
      );
    const held = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsPending === 1000);
    expect(held.fields.resultsSent).toBe(0);
    const returned = daemon.mark();
    const second = await server({ port: first.port });
    const seen = await everyAddress(() => [second], 1000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const after = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsPending === 0, {
      after: returned,
      timeoutMs: 30_000,
    });
    expect(after.fields.resultsSent).toBe(1000);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('1,000 sources during an outage and a SIGKILL in the middle: every one delivered once the server is back', async () => {
    const first = await server();
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      ngConfig(ws, first.port, {}, { throttle: { window_seconds: 0.2, max_results_per_minute: 100_000 } }),
    );
    let daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine(address(0), { pid: 1 })]);
    await first.waitForLines(1);
    await first.stop();

    for (let i = 1; i < 1000; i += 100)
      await appendLines(
        ws.logFile,
        Array.from({ length: Math.min(100, 1000 - i) }, (_, j) => refusalLine(address(i + j), { pid: 1000 + i + j })),
      );
    await daemon.waitForLog((r) => r.level >= 40 && /unreachable/i.test(r.msg));
    // Killed while holding what it could not deliver: the checkpoint must not have moved past it.
    await daemon.crash();

    const second = await server({ port: first.port });
    daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    const seen = await everyAddress(() => servers, 1000);
    // At least once: duplicates are allowed and counted. Only the one result delivered before
    // the outage can come twice (its checkpoint may not have been written before the SIGKILL).
    expect(seen.size).toBe(1000);
    const duplicates = [...seen.entries()].filter(([, n]) => n > 1).map(([a]) => a);
    expect(duplicates.filter((a) => a !== address(0))).toEqual([]);
    expect(second.lines().length).toBeGreaterThanOrEqual(999);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('wrong key: a clear error naming the password, nothing counted as delivered; SIGHUP with the right key delivers what was held', async () => {
    const srv = await server();
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(
      ws.configFile,
      ngConfig(ws, srv.port, { password: 'not-the-key' }, { log: { stats_interval_seconds: 0.2 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('198.51.100.9', { pid: 9 })]);
    const error = await daemon.waitForLog(
      (r) => r.level >= 50 && textOf(r.fields.error ?? r.msg).includes('bad record mac'),
    );
    expect(JSON.stringify(error.fields)).toContain('nsca_ng.password differs');
    const stats = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsPending === 1);
    expect(stats.fields.resultsSent).toBe(0);
    expect(srv.lines()).toEqual([]);

    await writeConfig(ws.configFile, ngConfig(ws, srv.port, {}, { log: { stats_interval_seconds: 0.2 } }));
    daemon.signal('SIGHUP');
    expect((await srv.waitForLines(1)).map(withoutTimestamp)).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 198.51.100.9 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
    ]);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('--dry-run prints the external command line NSCA-ng would carry', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, ngConfig(ws, 9));
    const daemon = startDaemon({ configFile: ws.configFile, dryRun: true });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('192.0.2.44', { pid: 44 })]);
    const line = await eventually(
      () => daemon.stdoutLines.find((l) => l.includes('192.0.2.44')),
      10_000,
      'the dry-run line',
    );
    expect(line).toMatch(
      /^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 192\.0\.2\.44 at 2026-11-21T15:39:34\+00:00 \| refusals=1 sources=1$/,
    );
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

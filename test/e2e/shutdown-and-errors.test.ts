import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
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

const at = (second: number) => `2026-11-21T15:40:${String(second).padStart(2, '0')}+00:00`;

describe('wrapwatch run stopping and failing', () => {
  it('on SIGTERM sends the refusals still folded as a follow-up, commits, and exits 0; the next start does not report them again', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'drain test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    // A long window: only the first refusal is sent at once, the other four wait for the window's end.
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, { throttle: { window_seconds: 3600 }, log: { stats_interval_seconds: 0.1 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(
      ws.logFile,
      [1, 2, 3, 4, 5].map((s) => refusalLine('203.0.113.20', { pid: 20 + s, time: at(s) })),
    );
    await nsca.waitForLines(1);
    await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.refusals === 5 && r.fields.refusalsFolded === 4);

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect((await nsca.readCommandFile()).map(withoutTimestamp)).toEqual([
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.20 at ${at(1)} | refusals=1 sources=1`,
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.20: 4 more refusals from ${at(2)} to ${at(5)} | refusals=4 sources=1`,
    ]);
    const stopped = daemon.records().find((r) => r.msg.startsWith('wrapwatch stopped'));
    expect(stopped?.fields).toMatchObject({
      drained: true,
      refusals: 5,
      refusalsReported: 5,
      refusalsFolded: 0,
      resultsPending: 0,
    });

    // Everything read was delivered and committed: a restart resumes after it.
    const again = startDaemon({ configFile: ws.configFile });
    await again.started();
    await appendLines(ws.logFile, [refusalLine('203.0.113.21', { pid: 30, time: at(6) })]);
    const lines = await nsca.waitForLines(3);
    expect(withoutTimestamp(lines[2] ?? '')).toBe(
      `PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.21 at ${at(6)} | refusals=1 sources=1`,
    );
    again.signal('SIGTERM');
    expect(await again.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await nsca.readCommandFile()).toHaveLength(3);
  });

  it('exits 78 on a bad config, naming every bad field', async () => {
    const ws = await createWorkspace();
    await writeConfig(
      ws.configFile,
      testConfig(ws, null, { throttle: { window_seconds: -1 }, report: { host_name: 'e2e-host', servce: 'typo' } }),
    );
    const run = await runCli(['run', '--config', ws.configFile]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('throttle.window_seconds');
    expect(run.stderr).toContain('report.servce');
    expect(run.stdout).toBe('');
  });

  it('logs a wrong NSCA password as an error naming the password and encryption method; nothing lands until a reload fixes it', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'the right one' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, { port: nsca.port, decryptionMethod: 1, password: 'a wrong one' }));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, [refusalLine('203.0.113.30', { pid: 31 })]);
    const error = await daemon.waitForLog((r) => r.level === 50);
    expect(error.msg).toMatch(/password or encryption method/);
    expect(String(error.fields.error)).toMatch(/password/);
    expect(error.fields).toMatchObject({ receiver: `127.0.0.1:${nsca.port}`, kind: 'rejected', heldResults: 1 });
    // Each error comes after nsca hung up on that attempt: by then it had dropped the packet.
    // It keeps dropping them while the daemon retries.
    expect(await nsca.readCommandFile()).toEqual([]);
    const mark = daemon.mark();
    await daemon.waitForLog((r) => r.level === 50, { after: mark });
    expect(await nsca.readCommandFile()).toEqual([]);
    expect(daemon.running()).toBe(true);

    // The operator fixes the password and reloads: what was held is delivered.
    await writeConfig(ws.configFile, testConfig(ws, nsca));
    daemon.signal('SIGHUP');
    const [line] = await nsca.waitForLines(1);
    expect(withoutTimestamp(line ?? '')).toMatch(
      /^PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203\.0\.113\.30 at /,
    );
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await nsca.readCommandFile()).toHaveLength(1);
  });
});

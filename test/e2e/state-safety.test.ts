import { chmod, chown, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutTimestamp } from '../helpers/nsca-server.js';
import {
  appendLines,
  canDropPrivileges,
  createWorkspace,
  NOBODY,
  refusalLine,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';

useE2eLifecycle();

const at = (second: number) => `2026-11-21T15:41:${String(second).padStart(2, '0')}+00:00`;

describe('where reading starts when state or log permissions go wrong (issue 13)', () => {
  it('a corrupt checkpoint with start_at = "end" re-reads the log rather than skipping refusals written while stopped', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'corrupt test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca, { throttle: { window_seconds: 0 } }));
    const first = startDaemon({ configFile: ws.configFile });
    await first.started();
    await appendLines(ws.logFile, [
      refusalLine('192.0.2.1', { pid: 1, time: at(1) }),
      refusalLine('192.0.2.2', { pid: 2, time: at(2) }),
    ]);
    await nsca.waitForLines(2);
    first.signal('SIGTERM');
    expect(await first.waitForExit()).toEqual({ code: 0, signal: null });

    // While wrapwatch is stopped: two more refusals, and the checkpoint file is damaged.
    await appendLines(ws.logFile, [
      refusalLine('192.0.2.3', { pid: 3, time: at(3) }),
      refusalLine('192.0.2.4', { pid: 4, time: at(4) }),
    ]);
    await writeFile(join(ws.stateDir, 'checkpoints.json'), '{"version":1,"sources":{"x":');

    const second = startDaemon({ configFile: ws.configFile });
    await second.started();
    const lines = (await nsca.waitForLines(6)).map(withoutTimestamp);
    // Both refusals written while stopped arrive (the two before them are reported again).
    expect(lines.filter((l) => l.includes('192.0.2.3'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('192.0.2.4'))).toHaveLength(1);
    const error = second.records().find((r) => r.level === 50 && r.msg.includes('checkpoint file is unusable'));
    expect(error?.msg).toMatch(/reading every log from its beginning/);
    second.signal('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it.skipIf(!canDropPrivileges)(
    'a log unreadable at the first start is read from its end as of when it becomes readable, not from byte 0',
    async () => {
      const ws = await createWorkspace();
      await chmod(ws.dir, 0o755);
      await mkdir(ws.stateDir);
      await chown(ws.stateDir, NOBODY.uid, NOBODY.gid);
      // RHEL: /var/log/secure is root:root 0600 with 50 old refusals in it.
      await writeFile(
        ws.logFile,
        Array.from(
          { length: 50 },
          (_, i) => `${refusalLine(`198.51.100.${i + 1}`, { pid: 100 + i, time: at(0) })}\n`,
        ).join(''),
        { mode: 0o600 },
      );
      await chmod(ws.logFile, 0o600);
      await writeConfig(
        ws.configFile,
        testConfig(ws, null, { source: { start_at: 'end' }, throttle: { window_seconds: 3600 } }),
      );
      await chmod(ws.configFile, 0o644);
      const daemon = startDaemon({ configFile: ws.configFile, dryRun: true, user: NOBODY });
      await daemon.started();
      await daemon.waitForLog((r) => r.msg.includes('cannot be opened') || r.msg.includes('EACCES'));

      // The operator fixes the permissions; one new refusal follows.
      await chmod(ws.logFile, 0o644);
      const readable = await daemon.waitForLog((r) => r.msg.includes('is readable now'), { timeoutMs: 10_000 });
      expect(readable.msg).toContain('reading it from its end as of now');
      await appendLines(ws.logFile, [refusalLine('203.0.113.9', { pid: 999, time: at(9) })]);
      await daemon.waitForLog((r) => r.msg === 'wrapwatch started');
      const deadline = Date.now() + 10_000;
      while (!daemon.stdoutLines.some((l) => l.includes('203.0.113.9')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      daemon.signal('SIGTERM');
      expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
      expect(daemon.stdoutLines.filter((l) => l.includes('PROCESS_SERVICE_CHECK_RESULT'))).toEqual([
        expect.stringContaining('Denied sshd from 203.0.113.9 at'),
      ]);
    },
  );

  it.skipIf(!canDropPrivileges)(
    'as a non-root user the default state directory exits 73 with a hint at [state] directory',
    async () => {
      const ws = await createWorkspace();
      await chmod(ws.dir, 0o755);
      await writeFile(ws.logFile, '');
      await writeConfig(
        ws.configFile,
        testConfig(ws, null, { state: { directory: '/var/lib/wrapwatch-e2e-never-created/state' } }),
      );
      await chmod(ws.configFile, 0o644);
      const daemon = startDaemon({ configFile: ws.configFile, user: NOBODY });
      expect(await daemon.waitForExit()).toEqual({ code: 73, signal: null });
      const fatal = daemon.records().find((r) => r.msg.startsWith('cannot use the state directory'));
      expect(fatal?.msg).toMatch(/EACCES/);
      expect(fatal?.msg).toContain('set [state] directory in');
    },
  );

  it('a checkpoint write failing after the start is logged, counted, retried, and loses no position', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'commit test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca, { log: { stats_interval_seconds: 0.2 } }));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    // The checkpoint is written to checkpoints.json.tmp first: a directory there makes every write fail.
    const blocker = join(ws.stateDir, 'checkpoints.json.tmp');
    await mkdir(blocker);
    const mark = daemon.mark();
    await appendLines(ws.logFile, [refusalLine('192.0.2.50', { pid: 50, time: at(50) })]);
    await nsca.waitForLines(1);
    const failed = await daemon.waitForLog((r) => r.level === 50 && r.msg.startsWith('cannot write the checkpoint'), {
      after: mark,
    });
    expect(failed.fields.failedWrites).toBeGreaterThanOrEqual(1);
    await daemon.waitForLog(
      (r) =>
        r.msg === 'stats' &&
        typeof r.fields.checkpointWriteFailures === 'number' &&
        r.fields.checkpointWriteFailures >= 1,
      { after: mark },
    );
    expect(daemon.running()).toBe(true);

    await rmdir(blocker);
    await daemon.waitForLog('checkpoints are written again', { after: mark, timeoutMs: 10_000 });
    const saved = JSON.parse(await readFile(join(ws.stateDir, 'checkpoints.json'), 'utf8')) as {
      sources: Record<string, { offset: number }>;
    };
    const logBytes = (await readFile(ws.logFile)).length;
    expect(saved.sources[ws.logFile]?.offset).toBe(logBytes);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

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

describe('wrapwatch run delivers a refusal to the real nsca', () => {
  it('a refusal appended to the followed file lands in the command file; lines from before the start are not reported', async () => {
    const server = await startReceiver({ decryptionMethod: 1, password: 'e2e secret' });
    const ws = await createWorkspace();
    await appendLines(ws.logFile, [
      refusalLine('198.51.100.1', { pid: 100 }),
      refusalLine('198.51.100.2', { pid: 101 }),
    ]);
    await writeConfig(ws.configFile, testConfig(ws, server, { source: { start_at: 'end' } }));

    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, [refusalLine('203.0.113.5', { pid: 4711, time: '2026-11-21T15:39:34+00:00' })]);

    const lines = await server.waitForLines(1, 10_000);
    expect(lines[0]).toMatch(/^\[\d+\] /);
    expect(withoutTimestamp(lines[0] ?? '')).toBe(
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 203.0.113.5 at 2026-11-21T15:39:34+00:00 | refusals=1 sources=1',
    );

    // Reading is in file order: the new line being delivered means the two older lines were
    // skipped (or already handled). A clean stop sends anything folded; there must be nothing.
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    expect(await server.readCommandFile()).toHaveLength(1);
  });
});

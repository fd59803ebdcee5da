import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  startDaemon,
  testConfig,
  writeConfig,
  startReceiver,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';
import { withoutTimestamp } from '../helpers/nsca-server.js';

useE2eLifecycle();

describe('wrapwatch run and lines an attacker wrote', () => {
  it('reports neither a pid-less `logger -t sshd` line nor refusal text inside an sshd message, only the real refusals next to them', async () => {
    const nsca = await startReceiver({ decryptionMethod: 1, password: 'forgery test' });
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, nsca, { log: { stats_interval_seconds: 0.1 } }));
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, [
      // Any local user: `logger -t sshd -p auth.info ...` writes no [pid].
      '2026-11-21T15:48:59+00:00 vm sshd: refused connect from 6.6.6.7 (6.6.6.7)',
      '2026-11-21T15:48:59+00:00 vm sshd[4242]: refused connect from 198.51.100.40 (198.51.100.40)',
      // Remote attacker: the user name sshd logs is the client's own text.
      '2026-11-21T15:49:19+00:00 vm sshd[123]: Invalid user refused connect from 6.6.6.6 (6.6.6.6) from 127.0.0.1 port 35416',
      '2026-11-21T15:49:20+00:00 vm sshd[4243]: refused connect from 198.51.100.41 (198.51.100.41)',
    ]);
    // The second real line being delivered shows both forgeries before it were read.
    const lines = (await nsca.waitForLines(2)).map(withoutTimestamp);
    expect(lines).toEqual([
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 198.51.100.40 at 2026-11-21T15:48:59+00:00 | refusals=1 sources=1',
      'PROCESS_SERVICE_CHECK_RESULT;e2e-host;TCP Wrappers;2;Denied sshd from 198.51.100.41 at 2026-11-21T15:49:20+00:00 | refusals=1 sources=1',
    ]);
    const stats = await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.linesRead === 4);
    expect(stats.fields).toMatchObject({ refusals: 2, refusalsReported: 2, refusalsFolded: 0 });

    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    const all = await nsca.readCommandFile();
    expect(all).toHaveLength(2);
    expect(all.join('\n')).not.toContain('6.6.6.');
  });
});

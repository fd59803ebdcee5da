import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  readLines,
  refusalLine,
  refusalsOf,
  startDaemon,
  testConfig,
  writeConfig,
  startReceiver,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';

useE2eLifecycle();

const PASSWORD = 'outage test';
const MAX_PENDING = 5;

describe('wrapwatch run while the NSCA receiver is away', () => {
  it('holds what it cannot send, folds the excess into a summary, and delivers everything when the receiver is back', async () => {
    const ws = await createWorkspace();
    // The command file lives outside the server's own temp dir, so it survives the restart.
    const commandFile = join(ws.dir, 'nagios.cmd');
    await writeFile(commandFile, '');
    await writeFile(ws.logFile, '');
    const before = await startReceiver({ decryptionMethod: 1, password: PASSWORD, commandFile });
    await writeConfig(
      ws.configFile,
      testConfig(ws, before, {
        nsca: { max_pending_results: MAX_PENDING, reconnect_min_seconds: 0.05, reconnect_max_seconds: 0.2 },
        log: { stats_interval_seconds: 0.2 },
      }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    // Receiver up: three refusals from three sources, three results.
    await appendLines(
      ws.logFile,
      [0, 1, 2].map((i) => refusalLine(`192.0.2.${i + 1}`, { pid: 100 + i })),
    );
    await before.waitForLines(3);
    // Stopped between deliveries (see the next test for a stop in the middle of one).
    await daemon.waitForLog((r) => r.msg === 'stats' && r.fields.resultsSent === 3);
    await before.stop();
    const outageStarted = daemon.mark();
    // 30 refusals from 30 new sources while nobody listens: 30 results, of which only
    // MAX_PENDING may be held one by one.
    const during = Array.from({ length: 30 }, (_, i) => refusalLine(`198.51.100.${i + 1}`, { pid: 200 + i }));
    await appendLines(ws.logFile, during);

    const wentAway = await daemon.waitForLog('NSCA receiver unreachable', { after: outageStarted });
    expect(wentAway.level).toBe(40);
    expect(wentAway.fields.receiver).toBe(`127.0.0.1:${before.port}`);
    // Memory stays bounded: MAX_PENDING results held, the other 25 folded into one summary.
    const held = await daemon.waitForLog(
      (r) => r.msg === 'stats' && r.fields.refusals === 33 && r.fields.resultsOverflowed === 25,
      { after: outageStarted },
    );
    expect(held.fields).toMatchObject({ receiver: 'down', resultsPending: MAX_PENDING + 1, resultsSent: 3 });

    await startReceiver({ decryptionMethod: 1, password: PASSWORD, port: before.port, commandFile });
    const back = await daemon.waitForLog('NSCA receiver is back', { after: outageStarted });
    expect(back.fields).toMatchObject({
      receiver: `127.0.0.1:${before.port}`,
      heldResults: MAX_PENDING,
      foldedResults: 25,
    });
    expect(typeof back.fields.downSeconds).toBe('number');

    // Every refusal written is accounted for in what landed: 3 + 5 one by one, 25 in the summary.
    const lines = await eventually(
      async () => {
        const now = await readLines(commandFile);
        return now.reduce((sum, line) => sum + refusalsOf(line), 0) >= 33 ? now : undefined;
      },
      10_000,
      'the refusals= sums in the command file to reach 33',
    );
    expect(lines.reduce((sum, line) => sum + refusalsOf(line), 0)).toBe(33);
    const summaries = lines.filter((line) => line.includes('wrapwatch held back'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(
      /;e2e-host;TCP Wrappers;2;wrapwatch held back 25 results while the NSCA receiver was unreachable .*: 25 refusals \| refusals=25 sources=25$/,
    );
    // The held results went out one by one, in the order they were read.
    const oneByOne = lines
      .filter((line) => line.includes('Denied sshd from 198.51.100.'))
      .map((line) => /from (\S+) /.exec(line)?.[1]);
    expect(oneByOne).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5']);

    const recovered = await daemon.waitForLog(
      (r) =>
        r.msg === 'stats' &&
        r.fields.receiver === 'up' &&
        r.fields.resultsPending === 0 &&
        r.fields.resultsSent === 3 + MAX_PENDING + 1,
    );
    expect(recovered.fields.resultsOverflowed).toBe(25);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('a receiver stopped in the middle of a delivery is reported as gone, not as a wrong password, and nothing is lost', async () => {
    const ws = await createWorkspace();
    const commandFile = join(ws.dir, 'nagios.cmd');
    await writeFile(commandFile, '');
    await writeFile(ws.logFile, '');
    const before = await startReceiver({ decryptionMethod: 1, password: PASSWORD, commandFile });
    // A long linger keeps the connection open after the last packet, where a stop looks like a rejection.
    await writeConfig(
      ws.configFile,
      testConfig(ws, before, { nsca: { linger_ms: 1000, reconnect_min_seconds: 0.1, reconnect_max_seconds: 0.2 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(
      ws.logFile,
      [0, 1, 2].map((i) => refusalLine(`192.0.2.${i + 1}`, { pid: 100 + i })),
    );
    await before.waitForLines(3);
    await before.stop();
    // It hung up on us while we lingered after the last packet, then stopped answering.
    const hungUp = await daemon.waitForLog('NSCA receiver hung up');
    expect(hungUp.level).toBe(40);
    await daemon.waitForLog('NSCA receiver unreachable');
    await appendLines(
      ws.logFile,
      [3, 4].map((i) => refusalLine(`192.0.2.${i + 1}`, { pid: 100 + i })),
    );

    await startReceiver({ decryptionMethod: 1, password: PASSWORD, port: before.port, commandFile });
    await daemon.waitForLog('NSCA receiver is back');
    // At least once: the three results the receiver wrote before it stopped may come again.
    const delivered = await eventually(
      async () => {
        const text = (await readLines(commandFile)).join('\n');
        return [1, 2, 3, 4, 5].every((n) => text.includes(`Denied sshd from 192.0.2.${n} `)) ? text : undefined;
      },
      10_000,
      'all five addresses in the command file',
    );
    expect(delivered).not.toContain('held back');
    expect(daemon.records().filter((r) => r.level >= 50)).toEqual([]);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

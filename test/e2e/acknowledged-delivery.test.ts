import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  eventually,
  readLines,
  refusalLine,
  sleep,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
  type DaemonProcess,
  type LogRecord,
} from '../helpers/daemon-process.js';
import { freePort } from '../helpers/child-process.js';
import { startWedgedReceiver, type WedgedReceiver } from '../helpers/wedged-receiver.js';

useE2eLifecycle();

const PASSWORD = 'proof test';
const wedged: WedgedReceiver[] = [];
/** nsca servers a test stopped with SIGSTOP: continued before the lifecycle hook stops them. */
const stoppedPids: number[] = [];
afterEach(async () => {
  for (const pid of stoppedPids.splice(0)) process.kill(pid, 'SIGCONT');
  await Promise.all(wedged.splice(0).map((w) => w.stop()));
});

/** 1,500 (or `count`) refusals, each from its own address. */
const address = (i: number) => `198.18.${i >> 8}.${i & 255}`;
const refusals = (count: number) => Array.from({ length: count }, (_, i) => refusalLine(address(i), { pid: 1000 + i }));

/** The addresses of the refusals that reached the command file (duplicates kept). */
async function landedAddresses(commandFile: string): Promise<string[]> {
  return (await readLines(commandFile)).map((line) => /Denied sshd from (\S+) /.exec(line)?.[1] ?? '?');
}

async function allLanded(commandFile: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  return eventually(
    async () => {
      const landed = new Set(await landedAddresses(commandFile));
      return Array.from({ length: count }, (_, i) => address(i)).every((a) => landed.has(a)) ? [...landed] : undefined;
    },
    timeoutMs,
    `all ${count} addresses in ${commandFile}`,
  );
}

const isUnconfirmedWarning = (r: LogRecord) =>
  /^NSCA receiver took \d+ results? but did not confirm reading them within 1 s: overloaded or wedged\?$/.test(r.msg);
const unconfirmedWarnings = (daemon: DaemonProcess) => daemon.records().filter(isUnconfirmedWarning);

describe('a result is delivered only when the NSCA receiver proved it read it', () => {
  for (const readPackets of [0, 3]) {
    const what = readPackets === 0 ? 'greets and never reads' : `reads ${readPackets} packets and stalls`;
    it(`a receiver that ${what}: 1,500 refusals held, none counted as sent, one warning; the real nsca in its place gets every source`, async () => {
      const ws = await createWorkspace();
      const commandFile = join(ws.dir, 'nagios.cmd');
      await writeFile(commandFile, '');
      await writeFile(ws.logFile, '');
      const stall = await startWedgedReceiver({ readPackets });
      wedged.push(stall);
      const receiver = { port: stall.port, decryptionMethod: 1, password: PASSWORD };
      await writeConfig(
        ws.configFile,
        testConfig(ws, receiver, {
          nsca: { timeout_seconds: 1, linger_ms: 100 },
          log: { stats_interval_seconds: 0.2 },
        }),
      );
      const daemon = startDaemon({ configFile: ws.configFile });
      await daemon.started();

      await appendLines(ws.logFile, refusals(1500));
      const warning = await daemon.waitForLog(isUnconfirmedWarning, { timeoutMs: 20_000 });
      expect(warning.level).toBe(40);
      expect(warning.fields).toMatchObject({ kind: 'unconfirmed', receiver: `127.0.0.1:${stall.port}` });
      // It keeps trying (each attempt waits out the 1 s timeout), and keeps everything.
      await eventually(
        () => (stall.connections() >= 3 ? true : undefined),
        20_000,
        'three connections to the wedged receiver',
      );
      const stalled = await daemon.waitForLog(
        (r) => r.msg === 'stats' && r.fields.refusals === 1500 && r.fields.resultsPending === 1500,
        { after: daemon.mark() },
      );
      expect(stalled.fields).toMatchObject({ receiver: 'down', resultsSent: 0 });
      // One warning for the whole outage, however many attempts it took. (Counted here: once the
      // real nsca takes over, a batch it is too slow to confirm within 1 s on a loaded machine is a
      // new, real outage with its own warning.)
      expect(unconfirmedWarnings(daemon)).toHaveLength(1);

      // Replaced by the real nsca on the same port.
      await stall.stop();
      await startReceiver({ decryptionMethod: 1, password: PASSWORD, port: stall.port, commandFile });
      await allLanded(commandFile, 1500);
      const done = await daemon.waitForLog(
        (r) => r.msg === 'stats' && r.fields.resultsPending === 0 && r.fields.receiver === 'up',
        { timeoutMs: 20_000 },
      );
      expect(done.fields.resultsSent).toBe(1500);
      // No stats line ever counted more than was confirmed: nothing before the real nsca, exactly 1,500 after.
      const sentCounts = daemon
        .records()
        .filter((r) => r.msg === 'stats')
        .map((r) => Number(r.fields.resultsSent));
      expect(Math.max(...sentCounts)).toBe(1500);
      expect(daemon.records().filter((r) => r.level >= 50)).toEqual([]);
      daemon.signal('SIGTERM');
      expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    });
  }

  it('SIGTERM while the receiver is wedged: a bounded exit, nothing committed that was not confirmed, all delivered after the restart', async () => {
    const ws = await createWorkspace();
    const commandFile = join(ws.dir, 'nagios.cmd');
    await writeFile(commandFile, '');
    await writeFile(ws.logFile, '');
    const stall = await startWedgedReceiver();
    wedged.push(stall);
    await writeConfig(
      ws.configFile,
      testConfig(
        ws,
        { port: stall.port, decryptionMethod: 1, password: PASSWORD },
        { nsca: { timeout_seconds: 1, linger_ms: 100 } },
      ),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();
    await appendLines(ws.logFile, refusals(20));
    await daemon.waitForLog(isUnconfirmedWarning, { timeoutMs: 20_000 });

    const stopAt = Date.now();
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(8000)).toEqual({ code: 0, signal: null });
    // The drain is bounded by timeout_seconds + linger_ms + 1 s; the exit follows it at once.
    expect(Date.now() - stopAt).toBeLessThan(6000);
    const stopped = daemon.records().find((r) => r.msg.startsWith('wrapwatch stopped'));
    expect(stopped?.msg).toBe(
      'wrapwatch stopped with results undelivered; their lines will be read again at the next start',
    );
    expect(stopped?.fields).toMatchObject({ drained: false, resultsSent: 0 });

    await stall.stop();
    await startReceiver({ decryptionMethod: 1, password: PASSWORD, port: stall.port, commandFile });
    const again = startDaemon({ configFile: ws.configFile });
    await again.started();
    await allLanded(commandFile, 20, 20_000);
    again.signal('SIGTERM');
    expect(await again.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('the real nsca stopped with SIGSTOP in the middle of 1,500 results and continued later: nothing lost', async () => {
    const ws = await createWorkspace();
    const commandFile = join(ws.dir, 'nagios.cmd');
    await writeFile(commandFile, '');
    await writeFile(ws.logFile, '');
    const nsca = await startReceiver({ decryptionMethod: 1, password: PASSWORD, port: await freePort(), commandFile });
    await writeConfig(
      ws.configFile,
      testConfig(ws, nsca, { nsca: { timeout_seconds: 1, linger_ms: 100 }, log: { stats_interval_seconds: 0.2 } }),
    );
    const daemon = startDaemon({ configFile: ws.configFile });
    await daemon.started();

    await appendLines(ws.logFile, refusals(1500));
    await eventually(
      async () => ((await readLines(commandFile)).length >= 50 ? true : undefined),
      20_000,
      '50 results in the command file',
    );
    process.kill(nsca.pid, 'SIGSTOP');
    stoppedPids.push(nsca.pid);
    const stoppedWith = (await readLines(commandFile)).length;
    await daemon.waitForLog((r) => isUnconfirmedWarning(r) || (r.msg.includes('unreachable') && r.level === 40), {
      timeoutMs: 20_000,
    });
    await sleep(1500);
    process.kill(nsca.pid, 'SIGCONT');
    stoppedPids.splice(stoppedPids.indexOf(nsca.pid), 1);

    const landed = await allLanded(commandFile, 1500);
    expect(landed).toHaveLength(1500);
    expect(stoppedWith).toBeLessThan(1500);
    const done = await daemon.waitForLog(
      (r) => r.msg === 'stats' && r.fields.resultsPending === 0 && r.fields.receiver === 'up',
      { timeoutMs: 20_000 },
    );
    expect(done.fields.resultsSent).toBe(1500);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

describe('a wrong password or method is still reported by run', () => {
  for (const method of [1, 3, 14]) {
    it(`method ${method}: a wrong password is logged as an error naming password and method; nothing lands`, async () => {
      const nsca = await startReceiver({ decryptionMethod: method, password: 'the right one' });
      const ws = await createWorkspace();
      await writeFile(ws.logFile, '');
      await writeConfig(
        ws.configFile,
        testConfig(
          ws,
          { port: nsca.port, decryptionMethod: method, password: 'a wrong one' },
          { nsca: { timeout_seconds: 1 } },
        ),
      );
      const daemon = startDaemon({ configFile: ws.configFile });
      await daemon.started();
      await appendLines(ws.logFile, [refusalLine('203.0.113.30', { pid: 31 })]);
      const error = await daemon.waitForLog((r) => r.level === 50, { timeoutMs: 20_000 });
      expect(error.msg).toMatch(/wrong password or encryption method/);
      expect(error.fields).toMatchObject({ receiver: `127.0.0.1:${nsca.port}`, kind: 'rejected', heldResults: 1 });
      expect(await nsca.readCommandFile()).toEqual([]);
      expect(daemon.records().filter((r) => r.msg === 'stats' && Number(r.fields.resultsSent) > 0)).toEqual([]);
      daemon.signal('SIGTERM');
      expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
    });
  }
});

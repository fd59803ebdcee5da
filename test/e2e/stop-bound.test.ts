import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  refusalLine,
  sleep,
  startDaemon,
  testConfig,
  writeConfig,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';

useE2eLifecycle();

/** A receiver that accepts connections and never says a word (nsca sends its IV first). */
async function silentReceiver(): Promise<{ port: number; accepted: () => number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    accepted: () => accepted,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

describe('stopping is bounded by state.stop_timeout_seconds', () => {
  // Before: SIGTERM during an outage took 11-16 s, and over 30 s with timeout_seconds = 300
  // (past the unit's TimeoutStopSec, so systemd SIGKILLed it).
  it('exits 0 within the bound while a receiver that never answers holds a delivery attempt, and the undelivered line is read again at the next start', async () => {
    const receiver = await silentReceiver();
    try {
      const ws = await createWorkspace();
      await writeFile(ws.logFile, '');
      const stopTimeoutSeconds = 3;
      await writeConfig(
        ws.configFile,
        testConfig(
          ws,
          { port: receiver.port, password: 'x', decryptionMethod: 1 },
          {
            nsca: { timeout_seconds: 300 },
            state: { stop_timeout_seconds: stopTimeoutSeconds },
          },
        ),
      );
      const daemon = startDaemon({ configFile: ws.configFile });
      await daemon.started();
      await appendLines(ws.logFile, [refusalLine('203.0.113.77', { pid: 77 })]);
      // The delivery attempt is under way: connected, waiting for the server's hello.
      const deadline = Date.now() + 10_000;
      while (receiver.accepted() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(receiver.accepted()).toBeGreaterThan(0);

      const signalled = Date.now();
      daemon.signal('SIGTERM');
      const exit = await daemon.waitForExit(20_000);
      const tookMs = Date.now() - signalled;
      expect(exit).toEqual({ code: 0, signal: null });
      // The bound is the whole stop; 500 ms for process start-up of the exit under load.
      expect(tookMs).toBeLessThanOrEqual(stopTimeoutSeconds * 1000 + 500);
      const stopped = daemon.records().find((r) => r.msg.startsWith('wrapwatch stopped'));
      expect(stopped?.fields).toMatchObject({ drained: false, resultsSent: 0 });

      // Nothing lost: the line was not committed, so the next start reads it again.
      const again = startDaemon({ configFile: ws.configFile });
      await again.started();
      const reread = await again.waitForLog((r) => r.msg === 'refusal' || r.msg.startsWith('following'), {
        timeoutMs: 10_000,
      });
      expect(reread).toBeDefined();
      again.signal('SIGTERM');
      await again.waitForExit(20_000);
      const restopped = again.records().find((r) => r.msg.startsWith('wrapwatch stopped'));
      expect(restopped?.fields).toMatchObject({ refusals: 1 });
    } finally {
      await receiver.stop();
    }
  });

  it('a SIGTERM during a start that hangs in the file system (here a FIFO as the checkpoint file) ends the process at the bound', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await mkdir(ws.stateDir);
    // Reading it blocks a libuv worker forever: the start never completes, and process.exit()
    // would wait for that worker too (the old /proc state directory spun the same way).
    execFileSync('mkfifo', [join(ws.stateDir, 'checkpoints.json')]);
    const stopTimeoutSeconds = 2;
    await writeConfig(ws.configFile, testConfig(ws, null, { state: { stop_timeout_seconds: stopTimeoutSeconds } }));
    const daemon = startDaemon({ configFile: ws.configFile });
    await sleep(1000);
    expect(daemon.running()).toBe(true);
    const signalled = Date.now();
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(15_000);
    const tookMs = Date.now() - signalled;
    // It dies of the SIGTERM's default action, which systemd counts as a clean stop.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(tookMs).toBeLessThanOrEqual(stopTimeoutSeconds * 1000 + 500);
    expect(
      daemon
        .records()
        .some((r) => r.level === 50 && r.msg.startsWith('stop took longer than state.stop_timeout_seconds')),
    ).toBe(true);
  });
});

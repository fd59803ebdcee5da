import { existsSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NSCA_BINARY, startNscaServer } from './nsca-server.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the private nsca test server', () => {
  it('runs the real nsca in the foreground on its own port, and stop() ends that pid and cleans up', async () => {
    const server = await startNscaServer({ decryptionMethod: 14, password: 'pw' });
    try {
      expect(alive(server.pid)).toBe(true);
      expect(readlinkSync(`/proc/${server.pid}/exe`)).toBe(NSCA_BINARY);
      expect(server.host).toBe('127.0.0.1');
      expect(await server.readCommandFile()).toEqual([]);
      await expect(server.waitForLines(1, 100)).rejects.toThrow(/expected 1 lines .* within 100 ms, found 0/);
    } finally {
      await server.stop();
    }
    expect(alive(server.pid)).toBe(false);
    expect(server.running()).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    await server.stop(); // idempotent
  });

  it('two servers at once get different ports and files', async () => {
    const [a, b] = await Promise.all([startNscaServer(), startNscaServer()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.commandFile).not.toBe(b.commandFile);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

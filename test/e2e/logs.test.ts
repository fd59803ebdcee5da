import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  appendLines,
  createWorkspace,
  refusalLine,
  startDaemon,
  testConfig,
  writeConfig,
  useE2eLifecycle,
} from '../helpers/daemon-process.js';
import { freePort } from '../helpers/child-process.js';

useE2eLifecycle();

/** journald's SyslogLevelPrefix= priorities for pino's levels. */
const PRIORITY: Record<number, number> = { 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/**
 * An ident user name is the client's own text (cut at the first blank): here it tries to close the
 * JSON string and object, add a fatal record, and carries rsyslog's `#033` escape and a literal `\n`.
 */
const HOSTILE_USER = 'x"},{"level":60,"msg":"pwned\\n#033[31m\'';

describe('wrapwatch run logs', () => {
  it('under systemd (JOURNAL_STREAM) prefixes each line with its syslog priority, and keeps attacker text inside JSON strings', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    // Nothing listens on the receiver's port: a warning is logged too.
    const port = await freePort();
    await writeConfig(
      ws.configFile,
      testConfig(
        ws,
        { port, password: 'x', decryptionMethod: 1 },
        { log: { level: 'debug', stats_interval_seconds: 0 } },
      ),
    );
    const daemon = startDaemon({ configFile: ws.configFile, env: { JOURNAL_STREAM: '8:424242' } });
    await daemon.started();

    const client = `${HOSTILE_USER}@127.0.0.2`;
    await appendLines(ws.logFile, [refusalLine('127.0.0.2', { daemon: 'in.wraptest', pid: 26897, client })]);
    const refusal = await daemon.waitForLog((r) => r.msg === 'refusal');
    await daemon.waitForLog('NSCA receiver unreachable');
    daemon.signal('SIGTERM');
    // The receiver stays away: the drain gives up at its bound and the exit says so.
    expect(await daemon.waitForExit(25_000)).toEqual({ code: 0, signal: null });

    const lines = daemon.stdoutLines;
    expect(lines.length).toBeGreaterThan(3);
    for (const raw of lines) {
      const m = /^<(\d)>(\{.*\})$/.exec(raw);
      expect(m, raw).not.toBeNull();
      const record = JSON.parse(m?.[2] ?? '') as { level: number };
      expect(Number(m?.[1])).toBe(PRIORITY[record.level]);
    }
    const levels = new Set(daemon.records().map((r) => r.level));
    expect([...levels]).toEqual(expect.arrayContaining([20, 30, 40]));

    // The hostile text arrives whole, as one JSON string value, in the one record about it.
    expect(refusal.fields.client).toBe(client);
    expect(refusal.raw).toContain(JSON.stringify(client));
    const mentioning = daemon.records().filter((r) => r.raw.includes('pwned'));
    expect(mentioning).toEqual([refusal]);
    expect(daemon.records().filter((r) => r.level >= 60 || r.msg.includes('pwned'))).toEqual([]);
  });
});

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalSource, type JournalSourceOptions } from '../../src/source/journal-source.js';
import { createSeqCounter } from '../../src/source/line-source.js';
import type { SourcePosition } from '../../src/types.js';
import { appendJournal, entry } from '../helpers/journal-files.js';
import { captureLogger, collector, tempDir, waitFor } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
const running: JournalSource[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-journal-'));
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await cleanup();
});

function follow(file: string, options: Partial<JournalSourceOptions> = {}) {
  const sink = collector();
  const logger = captureLogger();
  const source = new JournalSource({
    journalctl: 'journalctl',
    files: [file],
    startAt: 'beginning',
    maxLineBytes: 4096,
    rejectForged: true,
    onLines: sink.handler,
    nextSeq: createSeqCounter(),
    logger,
    restartMinMs: 50,
    restartMaxMs: 400,
    ...options,
  });
  running.push(source);
  return { source, sink, logger };
}

const cursorOf = (p: SourcePosition) => (p.kind === 'journal' ? p.cursor : '');

describe('JournalSource on a real journal file', () => {
  it('maps entries to journal records, drops a forged `logger -t sshd` entry, and follows appended entries', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [
      entry('sshd', 'refused connect from 192.0.2.7 (192.0.2.7)'),
      // What `logger -t sshd` produces: the identifier is claimed, _COMM/_EXE are journald's.
      entry('sshd', 'refused connect from 198.51.100.9 (198.51.100.9)', {
        _COMM: 'logger',
        _EXE: '/usr/bin/logger',
        SYSLOG_PID: '1',
      }),
      // tcpd logs under the wrapped daemon's name.
      entry('in.telnetd', 'refused connect from 2001:db8::1 (2001:db8::1)', { _COMM: 'tcpd', _EXE: '/usr/sbin/tcpd' }),
      // stunnel4's binary logs as "stunnel"; a harmless line from another program is not judged.
      entry('stunnel', 'LOG4[1]: Service [tls] REFUSED by libwrap from 192.0.2.8:4242', {
        _COMM: 'stunnel4',
        _EXE: '/usr/bin/stunnel4',
      }),
      entry('CRON', 'pam_unix(cron:session): session opened for user root', { _COMM: 'cron', _EXE: '/usr/sbin/cron' }),
      // Not valid UTF-8: journalctl prints MESSAGE as a byte array.
      entry('sshd', 'x', { MESSAGE: Buffer.from([0x72, 0x65, 0x66, 0xff, 0xfe, 0x41]) }),
    ]);
    const { source, sink, logger } = follow(file);
    await source.start();
    await waitFor(() => sink.lines.length === 6, 'six entries');

    expect(sink.lines.map((l) => [l.defect ?? 'ok', l.text])).toEqual([
      ['ok', 'refused connect from 192.0.2.7 (192.0.2.7)'],
      ['forged', ''],
      ['ok', 'refused connect from 2001:db8::1 (2001:db8::1)'],
      ['ok', 'LOG4[1]: Service [tls] REFUSED by libwrap from 192.0.2.8:4242'],
      ['ok', 'pam_unix(cron:session): session opened for user root'],
      ['invalid-utf8', ''],
    ]);
    const first = sink.lines[0];
    expect(first?.journal).toMatchObject({
      identifier: 'sshd',
      pid: 4242,
      hostname: 'firestorm',
      trustedComm: 'sshd',
      trustedExe: '/usr/sbin/sshd',
      trustedPid: 4242,
    });
    expect(Math.abs((first?.journal?.time.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(sink.lines[1]?.journal).toBeUndefined();
    expect(sink.lines.every((l) => l.position.kind === 'journal' && cursorOf(l.position).startsWith('s='))).toBe(true);
    expect(new Set(sink.lines.map((l) => cursorOf(l.position))).size).toBe(6);
    expect(source.stats().skipped).toEqual({ forged: 1, 'invalid-utf8': 1 });
    expect(logger.messages('warn').some((m) => m.includes('forged') && m.includes('/usr/bin/logger'))).toBe(true);

    // Appended while journalctl follows the file.
    await appendJournal(file, [entry('sshd', 'refused connect from 203.0.113.5 (203.0.113.5)')]);
    await waitFor(() => sink.lines.length === 7, 'the appended entry');
    expect(sink.lines[6]?.text).toBe('refused connect from 203.0.113.5 (203.0.113.5)');
    expect(sink.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('reads a journal directory (source.journal.directory) as well as a file', async () => {
    await appendJournal(join(dir, 'remote.journal'), [entry('sshd', 'from the directory')]);
    const { source, sink } = follow('', { files: [], directory: dir });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the entry');
    expect(sink.texts()).toEqual(['from the directory']);
  });

  it('lets a forged entry through when reject_forged is off', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [
      entry('sshd', 'refused connect from 198.51.100.9 (198.51.100.9)', { _COMM: 'logger', _EXE: '/usr/bin/logger' }),
    ]);
    const { source, sink } = follow(file, { rejectForged: false });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the entry');
    expect(sink.lines[0]?.defect).toBeUndefined();
    expect(sink.lines[0]?.journal?.trustedComm).toBe('logger');
  });

  it('resumes after the checkpointed cursor, and from the end without one when start_at = "end"', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [entry('sshd', 'one'), entry('sshd', 'two'), entry('sshd', 'three')]);
    const first = follow(file);
    await first.source.start();
    await waitFor(() => first.sink.lines.length === 3, 'three entries');
    const checkpoint = first.sink.lines[0]?.position ?? null;
    await first.source.stop();

    await appendJournal(file, [entry('sshd', 'four')]);
    const resumed = follow(file, { resumeFrom: checkpoint });
    await resumed.source.start();
    await waitFor(() => resumed.sink.lines.length === 3, 'the entries after the cursor');
    expect(resumed.sink.texts()).toEqual(['two', 'three', 'four']);

    // Without a cursor, "end" means entries written after journalctl has started. Its start
    // cannot be observed, so new entries are appended until they come through.
    const fresh = follow(file, { startAt: 'end' });
    await fresh.source.start();
    const appended: string[] = [];
    await waitFor(async () => {
      if (fresh.sink.lines.length > 0) return true;
      appended.push(`new-${appended.length}`);
      await appendJournal(file, [entry('sshd', appended[appended.length - 1] ?? '')]);
      return false;
    }, 'a new entry to come through');
    await waitFor(() => fresh.sink.texts().at(-1) === appended.at(-1), 'the last appended entry');
    const got = fresh.sink.texts();
    expect(got).toEqual(appended.slice(appended.length - got.length));
  });

  it('restarts journalctl when it dies and continues after the last cursor, without repeats', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [entry('sshd', 'a'), entry('sshd', 'b')]);
    const { source, sink, logger } = follow(file);
    await source.start();
    await waitFor(() => sink.lines.length === 2, 'two entries');
    const pid = source.childPid;
    expect(pid).not.toBeNull();
    process.kill(pid ?? 0, 'SIGKILL');
    await waitFor(
      () => source.stats().restarts === 1 && source.childPid !== null && source.childPid !== pid,
      'a new journalctl',
    );
    await appendJournal(file, [entry('sshd', 'c')]);
    await waitFor(() => sink.lines.length === 3, 'the entry after the restart');
    expect(sink.texts()).toEqual(['a', 'b', 'c']);
    expect(
      logger.messages('warn').some((m) => m.includes('killed by SIGKILL') && m.includes('starting it again')),
    ).toBe(true);
  });

  it.each(['beginning', 'end'] as const)(
    'keeps retrying while the journal file does not exist, and reads it once it does (start_at %s)',
    async (startAt) => {
      const file = join(dir, 'later.journal');
      const { source, sink, logger } = follow(file, { startAt });
      await source.start();
      await waitFor(() => source.stats().restarts >= 2, 'journalctl to fail twice');
      expect(logger.messages('warn').some((m) => m.includes('exited with status 1'))).toBe(true);
      await appendJournal(file, [entry('sshd', 'finally')]);
      await waitFor(() => sink.lines.length === 1, 'the entry', 20_000);
      expect(sink.texts()).toEqual(['finally']);
    },
  );

  it('falls back to start_at when journalctl rejects the checkpointed cursor', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [entry('sshd', 'one')]);
    const { source, sink, logger } = follow(file, { resumeFrom: { kind: 'journal', cursor: 's=bogus;i=99' } });
    await source.start();
    await waitFor(() => sink.lines.length === 1, 'the entry');
    expect(sink.texts()).toEqual(['one']);
    expect(logger.messages('error').some((m) => m.includes('rejected the checkpointed cursor'))).toBe(true);
  });

  it('skips an entry larger than max_line_bytes and a multi-line message, carrying their cursors', async () => {
    const file = join(dir, 'test.journal');
    await appendJournal(file, [entry('sshd', 'x'.repeat(5000)), entry('sshd', 'two\nlines'), entry('sshd', 'fine')]);
    const { source, sink } = follow(file);
    await source.start();
    await waitFor(() => sink.lines.length === 3, 'three entries');
    expect(sink.lines.map((l) => l.defect ?? l.text)).toEqual(['too-long', 'binary', 'fine']);
  });
});

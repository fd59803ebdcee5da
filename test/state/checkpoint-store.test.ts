import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError, CheckpointStore, CheckpointVersionError } from '../../src/state/checkpoint-store.js';
import type { SourcePosition } from '../../src/types.js';
import { captureLogger, tempDir } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-state-'));
});
afterEach(async () => {
  await cleanup();
});

const filePos = (offset: number, path = '/var/log/secure'): SourcePosition => ({
  kind: 'file',
  path,
  identity: { dev: 2049, ino: 131_077, fingerprint: 'ab'.repeat(32), fingerprintBytes: 1024 },
  offset,
});
const journalPos: SourcePosition = { kind: 'journal', cursor: 's=43aa;i=2;b=0123;m=7d0;t=660c;x=209a' };

function store(directory = dir) {
  const logger = captureLogger();
  return { store: new CheckpointStore({ directory, logger }), logger };
}

describe('CheckpointStore', () => {
  it('starts empty, and a commit is what the next load returns', async () => {
    const { store: first } = store();
    expect((await first.load()).size).toBe(0);
    await first.commit([
      ['/var/log/secure', filePos(4096)],
      ['journal', journalPos],
    ]);
    const doc = JSON.parse(readFileSync(join(dir, 'checkpoints.json'), 'utf8')) as {
      version: number;
      sources: Record<string, unknown>;
    };
    expect(doc.version).toBe(1);
    expect(Object.keys(doc.sources)).toEqual(['/var/log/secure', 'journal']);

    const { store: second } = store();
    const loaded = await second.load();
    expect(loaded.get('/var/log/secure')).toEqual(filePos(4096));
    expect(loaded.get('journal')).toEqual(journalPos);
  });

  it('keeps the positions of sources a commit does not name', async () => {
    const { store: s } = store();
    await s.load();
    await s.commit([['/var/log/secure', filePos(1)]]);
    await s.commit([['/var/log/syslog', filePos(2, '/var/log/syslog')]]);
    const loaded = await store().store.load();
    expect([...loaded.keys()].sort()).toEqual(['/var/log/secure', '/var/log/syslog']);
  });

  it('does not write when nothing changed (cheap to call every second)', async () => {
    const { store: s } = store();
    await s.load();
    await s.commit([['/var/log/secure', filePos(10)]]);
    const before = statSync(join(dir, 'checkpoints.json'));
    await s.commit([['/var/log/secure', filePos(10)]]);
    const after = statSync(join(dir, 'checkpoints.json'));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('writes concurrent commits one after the other, the last state last, leaving no temp file', async () => {
    const { store: s } = store();
    await s.load();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.commit([['/var/log/secure', filePos(i)]])));
    expect((await store().store.load()).get('/var/log/secure')).toEqual(filePos(19));
    expect(readdirSync(dir)).toEqual(['checkpoints.json']);
  });

  it('trusts a complete temp file left by a crash before the rename: it is the newer state', async () => {
    const { store: s } = store();
    await s.load();
    await s.commit([['/var/log/secure', filePos(100)]]);
    const newer = readFileSync(join(dir, 'checkpoints.json'), 'utf8').replace('"offset": 100', '"offset": 200');
    writeFileSync(join(dir, 'checkpoints.json.tmp'), newer);
    const { store: reloaded, logger } = store();
    expect((await reloaded.load()).get('/var/log/secure')).toEqual(filePos(200));
    expect(existsSync(join(dir, 'checkpoints.json.tmp'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'checkpoints.json'), 'utf8'))).toMatchObject({
      sources: { '/var/log/secure': { offset: 200 } },
    });
    expect(logger.messages('warn').some((m) => m.includes('recovered'))).toBe(true);
  });

  it('ignores and deletes an incomplete temp file (crash while writing it), keeping the last renamed state', async () => {
    const { store: s } = store();
    await s.load();
    await s.commit([['/var/log/secure', filePos(100)]]);
    const text = readFileSync(join(dir, 'checkpoints.json'), 'utf8');
    writeFileSync(join(dir, 'checkpoints.json.tmp'), text.slice(0, text.length / 2));
    const { store: reloaded, logger } = store();
    expect((await reloaded.load()).get('/var/log/secure')).toEqual(filePos(100));
    expect(existsSync(join(dir, 'checkpoints.json.tmp'))).toBe(false);
    expect(logger.messages('warn').some((m) => m.includes('incomplete'))).toBe(true);
  });

  it('moves a corrupt file aside, logs an error and says the logs are read from their beginning (the safe side)', async () => {
    writeFileSync(
      join(dir, 'checkpoints.json'),
      '{"version":1,"sources":{"/var/log/secure":{"kind":"file","offset":-3}}}',
    );
    const { store: s, logger } = store();
    expect((await s.load()).size).toBe(0);
    expect(readdirSync(dir).some((n) => n.startsWith('checkpoints.json.corrupt-'))).toBe(true);
    expect(logger.messages('error')[0]).toMatch(/unusable.*reading every log from its beginning/);
    expect(s.foundCorrupt()).toBe(true);
    // And it can commit again afterwards.
    await s.commit([['/var/log/secure', filePos(1)]]);
    expect((await store().store.load()).get('/var/log/secure')).toEqual(filePos(1));
  });

  it('refuses a file written by a newer format version, leaving it untouched', async () => {
    const text = '{"version":2,"sources":{}}';
    writeFileSync(join(dir, 'checkpoints.json'), text);
    await expect(store().store.load()).rejects.toBeInstanceOf(CheckpointVersionError);
    expect(readFileSync(join(dir, 'checkpoints.json'), 'utf8')).toBe(text);
  });

  it('throws a CheckpointError naming the directory when it cannot be created', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const attempt = store(join(dir, 'not-a-dir', 'state')).store.load();
    await expect(attempt).rejects.toBeInstanceOf(CheckpointError);
    await expect(attempt).rejects.toThrow(/not-a-dir\/state/);
  });

  it('reports a failed write as a CheckpointError', async () => {
    const { store: s } = store();
    await s.load();
    // A directory where the temp file must go makes the write fail for real.
    mkdirSync(join(dir, 'checkpoints.json.tmp'));
    await expect(s.commit([['/var/log/secure', filePos(1)]])).rejects.toBeInstanceOf(CheckpointError);
  });

  describe('read-only (run --dry-run)', () => {
    it('resumes from the checkpoints but leaves the file, its leftovers and the directory alone', async () => {
      const { store: writer } = store();
      await writer.load();
      await writer.commit([['/var/log/secure', filePos(100)]]);
      const before = readFileSync(join(dir, 'checkpoints.json'), 'utf8');
      writeFileSync(join(dir, 'checkpoints.json.tmp'), '{"version":1,"sour');

      const logger = captureLogger();
      const trial = new CheckpointStore({ directory: dir, logger, readOnly: true });
      expect((await trial.load()).get('/var/log/secure')).toEqual(filePos(100));
      await trial.commit([['/var/log/secure', filePos(999)]]);
      expect(readFileSync(join(dir, 'checkpoints.json'), 'utf8')).toBe(before);
      expect(existsSync(join(dir, 'checkpoints.json.tmp'))).toBe(true);
    });

    it('creates no state directory and starts without checkpoints when there is none', async () => {
      const missing = join(dir, 'not-there');
      const trial = new CheckpointStore({ directory: missing, logger: captureLogger(), readOnly: true });
      expect((await trial.load()).size).toBe(0);
      await trial.commit([['/var/log/secure', filePos(5)]]);
      expect(existsSync(missing)).toBe(false);
    });
  });
});

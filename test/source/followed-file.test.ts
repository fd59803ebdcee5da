import { appendFileSync, copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlainFile } from '../../src/source/followed-file.js';
import { tempDir } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-followed-'));
});
afterEach(async () => {
  await cleanup();
});

describe('PlainFile identity', () => {
  it('notices a copytruncate and rewrite that happen between a read and the next look, even when it opened the file empty', async () => {
    const log = join(dir, 'auth.log');
    writeFileSync(log, '');
    const file = await PlainFile.open(log, 4096);
    const scratch = Buffer.alloc(64 * 1024);
    try {
      appendFileSync(log, 'w-0000001 a\nw-0000002 b\n');
      const first = await file.read(scratch);
      // logrotate copies and truncates, the writer goes on, all before the tailer looks again.
      copyFileSync(log, `${log}.1`);
      truncateSync(log, 0);
      appendFileSync(log, 'w-0000010 new content, longer than what was read\n');
      // The bytes read were still the old content's: they count, and they are what the
      // identity is made of, not what the file holds now.
      expect(await file.probe()).toBe('unchanged');
      expect(file.consume(first).map((l) => l.text)).toEqual(['w-0000001 a', 'w-0000002 b']);
      await file.read(scratch);
      expect(await file.probe()).toBe('truncated');
      expect(file.headBytes.toString()).toBe('w-0000001 a\nw-0000002 b\n');
    } finally {
      await file.close();
    }
  });

  it('learns the first bytes of a file it has not read yet, so a copytruncate before reading is noticed', async () => {
    const log = join(dir, 'auth.log');
    writeFileSync(log, '');
    const file = await PlainFile.open(log, 4096);
    try {
      appendFileSync(log, 'w-0000001 queued\n');
      expect(await file.probe()).toBe('unchanged');
      expect(file.headBytes.toString()).toBe('w-0000001 queued\n');
      truncateSync(log, 0);
      appendFileSync(log, 'w-0000002 replaced, and longer than before\n');
      expect(await file.probe()).toBe('truncated');
    } finally {
      await file.close();
    }
  });
});

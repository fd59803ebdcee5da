/**
 * Evidence for README's design notes: why wrapwatch does not use the npm `tail` package.
 * logrotate's default (rename, create) followed at once by a write to the new file: `tail`
 * keeps its byte offset from the old file, so a short first line of the new file is never
 * emitted; the FileSource sees the new inode and reads the new file from byte 0.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSource } from '../../src/source/file-source.js';
import { fileSourceUnderTest } from '../helpers/follow-file.js';
import { sleep, tempDir, waitFor } from '../helpers/source-harness.js';

interface TailLike {
  on(event: 'line', listener: (line: string) => void): void;
  on(event: 'error', listener: (err: unknown) => void): void;
  unwatch(): void;
}
type TailConstructor = new (file: string, options: { fromBeginning: boolean }) => TailLike;

function loadTail(): TailConstructor {
  const mod: unknown = createRequire(import.meta.url)('tail');
  const Tail = (mod as { Tail?: unknown }).Tail;
  if (typeof Tail !== 'function') throw new Error('the tail package does not export Tail');
  return Tail as TailConstructor;
}

let dir: string;
let cleanup: () => Promise<void>;
const running: FileSource[] = [];
const tails: TailLike[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-tail-'));
});
afterEach(async () => {
  for (const t of tails.splice(0)) t.unwatch();
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await cleanup();
});

describe('npm tail versus FileSource on rename + immediate write', () => {
  it('tail loses the first line of the new file; the FileSource delivers it', async () => {
    const path = join(dir, 'auth.log');
    const before = [
      'Nov 21 16:15:31 gate sshd[101]: Accepted publickey for root from 192.0.2.1 port 50000 ssh2',
      'Nov 21 16:15:32 gate sshd[102]: refused connect from 192.0.2.2 (192.0.2.2)',
    ];
    writeFileSync(path, `${before.join('\n')}\n`);

    const Tail = loadTail();
    const tail = new Tail(path, { fromBeginning: true });
    tails.push(tail);
    const tailLines: string[] = [];
    tail.on('line', (line) => tailLines.push(line));
    tail.on('error', () => undefined);
    const { source, sink } = fileSourceUnderTest(path, { rotationGraceMs: 200 }, running);
    await source.start();
    await waitFor(() => tailLines.length === 2 && sink.lines.length === 2, 'both to read the first two lines');

    const after = 'Nov 21 16:15:33 gate sshd[103]: refused connect from 192.0.2.3 (192.0.2.3)';
    renameSync(path, `${path}.1`);
    writeFileSync(path, `${after}\n`);

    await waitFor(() => sink.texts().includes(after), 'the FileSource to deliver the new line');
    // tail re-watches the path 1 s after a rename event; give it well over that.
    await sleep(2500);
    expect(sink.texts()).toEqual([...before, after]);
    expect(tailLines).toEqual(before);
  });
});

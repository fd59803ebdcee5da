import {
  appendFileSync,
  copyFileSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileSource } from '../../src/source/file-source.js';
import type { SourcePosition } from '../../src/types.js';
import { fileSourceUnderTest, inodeOf, seenLines } from '../helpers/follow-file.js';
import { tempDir, waitFor } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
const running: FileSource[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-restart-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
  await cleanup();
});

/** Runs a source until it has delivered `count` lines, stops it, and returns the position after line `commitAfter`. */
async function readThenStop(
  path: string,
  count: number,
  commitAfter: number,
  resumeFrom: SourcePosition | null = null,
): Promise<SourcePosition> {
  const run = fileSourceUnderTest(path, { resumeFrom }, running);
  await run.source.start();
  await waitFor(() => run.sink.lines.length === count, `${count} lines`);
  await run.source.stop();
  const position = run.sink.lines[commitAfter - 1]?.position;
  if (!position) throw new Error('no such line');
  return position;
}

describe('FileSource restarted after its file was rotated while it was stopped', () => {
  it('finds the renamed file by inode and fingerprint, reads the rest of it, then the new file from 0', async () => {
    const path = join(dir, 'secure');
    writeFileSync(path, 'a1\na2\n');
    const checkpoint = await readThenStop(path, 2, 1);
    appendFileSync(path, 'a3\n');
    const oldIno = inodeOf(path);
    renameSync(path, join(dir, 'secure-20261121'));
    writeFileSync(path, 'b1\n');
    const newIno = inodeOf(path);

    const { source, sink, logger } = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 3, 'a2, a3, b1');
    expect(seenLines(sink)).toEqual([
      ['a2', 6, oldIno],
      ['a3', 9, oldIno],
      ['b1', 3, newIno],
    ]);
    expect(logger.messages('info').some((m) => m.includes('rotated while it was not being read'))).toBe(true);
  });

  it('reads the rest from a .gz archive (new inode: matched by the fingerprint of its content), and resumes inside it', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\na2\n');
    const checkpoint = await readThenStop(path, 2, 1);
    appendFileSync(path, 'a3\na4\n');
    writeFileSync(join(dir, 'auth.log.1.gz'), gzipSync(readFileSync(path)));
    unlinkSync(path);
    writeFileSync(path, 'b1\n');
    const gzIno = inodeOf(join(dir, 'auth.log.1.gz'));

    const first = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await first.source.start();
    await waitFor(() => first.sink.lines.length === 4, 'a2, a3, a4, b1');
    expect(seenLines(first.sink)).toEqual([
      ['a2', 6, gzIno],
      ['a3', 9, gzIno],
      ['a4', 12, gzIno],
      ['b1', 3, inodeOf(path)],
    ]);
    const insideGzip = first.sink.lines[1]?.position ?? null;
    await first.source.stop();

    const second = fileSourceUnderTest(path, { resumeFrom: insideGzip }, running);
    await second.source.start();
    await waitFor(() => second.sink.lines.length === 2, 'a4, b1');
    expect(second.sink.texts()).toEqual(['a4', 'b1']);
  });

  it('after two rotations while stopped, also reads the file rotated in between (numbered names, oldest first)', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\na2\n');
    const checkpoint = await readThenStop(path, 2, 2);
    appendFileSync(path, 'a3\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'b1\nb2\n');
    // The next rotation shifts .1 to .2 and compresses it.
    writeFileSync(`${path}.2.gz`, gzipSync(readFileSync(`${path}.1`)));
    unlinkSync(`${path}.1`);
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'c1\n');

    const { source, sink } = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 4, 'a3, b1, b2, c1');
    expect(sink.texts()).toEqual(['a3', 'b1', 'b2', 'c1']);
  });

  it('after two rotations while stopped with dated names, reads them in date order', async () => {
    const path = join(dir, 'secure');
    writeFileSync(path, 'a1\n');
    const checkpoint = await readThenStop(path, 1, 1);
    appendFileSync(path, 'a2\n');
    renameSync(path, `${path}-20261120`);
    writeFileSync(path, 'b1\n');
    renameSync(path, `${path}-20261121`);
    writeFileSync(path, 'c1\n');
    // An older rotation the checkpoint is already past, and an unrelated file.
    writeFileSync(`${path}-20261119`, 'z-old\n');
    writeFileSync(`${path}.bak`, 'not a rotation\n');

    const { source, sink } = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 3, 'a2, b1, c1');
    expect(sink.texts()).toEqual(['a2', 'b1', 'c1']);
  });

  it('after copytruncate while stopped, reads the rest from the copy, then the new content from 0', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'g1-a\ng1-b\n');
    const checkpoint = await readThenStop(path, 2, 1);
    appendFileSync(path, 'g1-c\n');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    appendFileSync(path, 'g2-a\n');

    const { source, sink } = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 3, 'g1-b, g1-c, g2-a');
    expect(seenLines(sink)).toEqual([
      ['g1-b', 10, inodeOf(`${path}.1`)],
      ['g1-c', 15, inodeOf(`${path}.1`)],
      ['g2-a', 5, inodeOf(path)],
    ]);
  });

  it('does not resume inside a different file that reuses the inode number: the fingerprint differs', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'brand new file with other content\nsecond\n');
    const st = statSync(path);
    const stale: SourcePosition = {
      kind: 'file',
      path,
      identity: { dev: st.dev, ino: st.ino, fingerprint: 'ab'.repeat(32), fingerprintBytes: 20 },
      offset: 35,
    };
    const { source, sink, logger } = fileSourceUnderTest(path, { resumeFrom: stale }, running);
    await source.start();
    await waitFor(() => sink.lines.length === 2, 'both lines from 0');
    expect(sink.texts()).toEqual(['brand new file with other content', 'second']);
    expect(logger.messages('warn').some((m) => m.includes('is gone'))).toBe(true);
  });

  it('with the checkpointed file gone and the path missing, waits and reads the new file from 0', async () => {
    const path = join(dir, 'auth.log');
    writeFileSync(path, 'a1\n');
    const checkpoint = await readThenStop(path, 1, 1);
    unlinkSync(path);
    const { source, sink, logger } = fileSourceUnderTest(path, { resumeFrom: checkpoint }, running);
    await source.start();
    expect(source.position()).toEqual(checkpoint);
    writeFileSync(path, 'b1\n');
    await waitFor(() => sink.lines.length === 1, 'b1');
    expect(sink.texts()).toEqual(['b1']);
    expect(logger.messages('warn').some((m) => m.includes('is gone'))).toBe(true);
  });
});

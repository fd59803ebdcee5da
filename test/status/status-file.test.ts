import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStatusFile } from '../../src/status/status-file.js';
import { writeStatusFile } from '../../src/status/status-file-writer.js';
import { doc } from './fixtures.js';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'wrapwatch-status-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the status file', () => {
  it('is replaced in one step, readable by others (NRPE) whatever the umask, and reads back', async () => {
    const file = join(dir, 'status.json');
    const old = process.umask(0o077);
    try {
      writeStatusFile(file, doc());
      writeStatusFile(file, doc({ pid: 7 }));
    } finally {
      process.umask(old);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['status.json']);
    const read = await readStatusFile(file);
    expect(read.kind === 'ok' && read.doc.pid).toBe(7);
  });

  it('missing, not JSON, another format, a bad field: each said plainly', async () => {
    expect(await readStatusFile(join(dir, 'none.json'))).toEqual({ kind: 'missing', path: join(dir, 'none.json') });
    const file = join(dir, 's.json');
    await writeFile(file, 'garbage');
    expect(await readStatusFile(file)).toMatchObject({
      kind: 'unreadable',
      message: expect.stringContaining('is not JSON'),
    });
    await writeFile(file, JSON.stringify({ ...doc(), format: 2 }));
    expect(await readStatusFile(file)).toMatchObject({
      kind: 'unreadable',
      message: expect.stringContaining('has status format 2, this wrapwatch reads format 1'),
    });
    await writeFile(file, JSON.stringify({ ...doc(), pid: 'x' }));
    expect(await readStatusFile(file)).toMatchObject({
      kind: 'unreadable',
      message: expect.stringContaining('field pid'),
    });
  });

  it('a write into a missing directory fails and leaves nothing behind', async () => {
    expect(() => {
      writeStatusFile(join(dir, 'no', 'status.json'), doc());
    }).toThrow();
    expect(await readdir(dir)).toEqual([]);
  });
});

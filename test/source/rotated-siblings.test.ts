import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf, identityOf } from '../../src/source/file-identity.js';
import {
  listSiblings,
  locateContent,
  notAfter,
  rotatedAfter,
  rotatedSince,
  type Sibling,
} from '../../src/source/rotated-siblings.js';
import { tempDir } from '../helpers/source-harness.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('wrapwatch-siblings-'));
});
afterEach(async () => {
  await cleanup();
});

const named = (siblings: Sibling[], name: string): Sibling => {
  const s = siblings.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name}`);
  return s;
};
const names = (list: Sibling[]) => list.map((s) => s.name);

describe('rotated siblings', () => {
  it('lists regular files named after the log, with the rotation scheme their names follow', async () => {
    const log = join(dir, 'auth.log');
    for (const name of ['auth.log', 'auth.log.1', 'auth.log.2.gz', 'auth.log-20261121', 'auth.log.bak', 'other.log'])
      writeFileSync(join(dir, name), `${name}\n`);
    mkdirSync(join(dir, 'auth.log.3'));
    const siblings = await listSiblings(log);
    expect(names(siblings).sort()).toEqual(['auth.log-20261121', 'auth.log.1', 'auth.log.2.gz', 'auth.log.bak']);
    expect(named(siblings, 'auth.log.2.gz')).toMatchObject({ gzip: true, rotation: { scheme: 'number', n: 2 } });
    expect(named(siblings, 'auth.log-20261121').rotation).toEqual({ scheme: 'date', key: '20261121' });
    expect(named(siblings, 'auth.log.bak').rotation).toBeNull();
  });

  it('orders numbered names by number (higher is older) and takes a plain copy over its archive', async () => {
    const log = join(dir, 'auth.log');
    for (const [name, body] of [
      ['auth.log.3', 'three\n'],
      ['auth.log.2', 'two\n'],
      ['auth.log.1', 'one\n'],
    ] as const) {
      writeFileSync(join(dir, name), body);
    }
    writeFileSync(join(dir, 'auth.log.1.gz'), gzipSync('one\n'));
    const siblings = await listSiblings(log);
    expect(names(await rotatedAfter(named(siblings, 'auth.log.3'), siblings, () => false))).toEqual([
      'auth.log.2',
      'auth.log.1',
    ]);
    expect(names(await rotatedAfter(named(siblings, 'auth.log.1'), siblings, () => false))).toEqual([]);
  });

  it('orders dated names by date, and files created after a moment by creation time', async () => {
    const log = join(dir, 'secure');
    writeFileSync(join(dir, 'secure-20261119'), 'a\n');
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(dir, 'secure-20261121'), 'c\n');
    writeFileSync(join(dir, 'secure-20261120'), 'b\n');
    const siblings = await listSiblings(log);
    expect(names(await rotatedAfter(named(siblings, 'secure-20261119'), siblings, () => false))).toEqual([
      'secure-20261120',
      'secure-20261121',
    ]);
    // By creation time the names' order does not matter; the names still order the result.
    expect(names(rotatedSince(between, siblings, () => false))).toEqual(['secure-20261120', 'secure-20261121']);
  });

  it('locates content by inode first, then by fingerprint (a copy or an archive), and needs it long enough', async () => {
    const body = 'Nov 21 16:15:31 gate sshd[1]: one\nNov 21 16:15:32 gate sshd[2]: two\n';
    writeFileSync(join(dir, 'auth.log.1'), body);
    writeFileSync(join(dir, 'auth.log.2.gz'), gzipSync(body));
    const st = statSync(join(dir, 'auth.log.1'));
    const siblings = await listSiblings(join(dir, 'auth.log'));
    const identity = identityOf(st, Buffer.from(body));
    expect((await locateContent(identity, siblings, 34))?.name).toBe('auth.log.1');
    const elsewhere = { ...identity, ino: st.ino + 12345 };
    expect(
      (
        await locateContent(
          elsewhere,
          siblings.filter((s) => s.name !== 'auth.log.1'),
          34,
        )
      )?.name,
    ).toBe('auth.log.2.gz');
    expect(await locateContent(identity, siblings, body.length + 1)).toBeNull();
    expect(
      await locateContent({ ...identity, fingerprint: fingerprintOf(Buffer.from('other')) }, siblings, 0),
    ).toBeNull();
  });

  it('tells look-alikes apart by the bytes before the offset when the fingerprint is short', async () => {
    writeFileSync(join(dir, 'auth.log-00000001'), 'sa-first\nsa-second\n');
    writeFileSync(join(dir, 'auth.log-00000002'), 'sb-other\nsb-more\n');
    const siblings = await listSiblings(join(dir, 'auth.log'));
    // Only "s" was known of the content: both files start with it.
    const identity = identityOf({ dev: 1, ino: 1 }, Buffer.from('s'));
    expect((await locateContent(identity, siblings, 9, Buffer.from('sb-other\n')))?.name).toBe('auth.log-00000002');
    expect((await locateContent(identity, siblings, 9, Buffer.from('sa-first\n')))?.name).toBe('auth.log-00000001');
  });

  it('keeps files rotated after the held live file out of the queue before it (it was rotated while the directory was listed)', async () => {
    // auth.log was opened as the live file (lines up to 777), then renamed to -15 before the
    // listing, and one more file (-16) rotated after it: -16 must not be read before -15.
    const log = join(dir, 'auth.log');
    for (const [n, text] of [
      [13, 'w-0000669\n'],
      [14, 'w-0000681\n'],
      [15, 'w-0000777\n'],
      [16, 'w-0000779\n'],
    ] as const) {
      writeFileSync(`${log}-${String(n).padStart(8, '0')}`, text);
    }
    writeFileSync(log, 'w-0000780\n');
    const siblings = await listSiblings(log);
    const byName = (n: number) => siblings.find((s) => s.path.endsWith(String(n).padStart(8, '0')));
    const found = byName(13)!;
    const held = statSync(`${log}-00000015`);
    const queued = notAfter(await rotatedAfter(found, siblings, (s) => s.ino === held.ino), siblings, held);
    expect(queued.map((s) => s.path)).toEqual([byName(14)!.path]);
    // Nothing held, or held not rotated: everything newer stays.
    expect(notAfter(await rotatedAfter(found, siblings, () => false), siblings, null).map((s) => s.path)).toEqual(
      [14, 15, 16].map((n) => byName(n)!.path),
    );
    expect(
      notAfter(await rotatedAfter(found, siblings, () => false), siblings, statSync(log)).map((s) => s.path),
    ).toEqual([14, 15, 16].map((n) => byName(n)!.path));
  });
});

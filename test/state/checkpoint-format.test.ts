import { describe, expect, it } from 'vitest';
import { CHECKPOINT_VERSION, decodeCheckpoints, encodeCheckpoints } from '../../src/state/checkpoint-format.js';
import type { SourcePosition } from '../../src/types.js';

const filePosition: SourcePosition = {
  kind: 'file',
  path: '/var/log/secure',
  identity: { dev: 2049, ino: 131_077, fingerprint: 'ab'.repeat(32), fingerprintBytes: 1024 },
  offset: 4096,
};
const journalPosition: SourcePosition = { kind: 'journal', cursor: 's=43aa;i=2;b=0123;m=7d0;t=660c;x=209a' };

/** A valid document as encodeCheckpoints writes it, as plain JSON to spoil. */
function validDoc(): Record<string, unknown> {
  const text = encodeCheckpoints(
    new Map([
      ['/var/log/secure', filePosition],
      ['journal', journalPosition],
    ]),
    new Date('2026-11-30T04:00:00Z'),
  );
  return JSON.parse(text) as Record<string, unknown>;
}

function spoiled(change: (doc: Record<string, any>) => void): string {
  const doc = validDoc();
  change(doc);
  return JSON.stringify(doc);
}

describe('decodeCheckpoints', () => {
  it('reads back exactly what encodeCheckpoints wrote', () => {
    const decoded = decodeCheckpoints(JSON.stringify(validDoc()));
    expect(decoded).toEqual({
      ok: true,
      sources: new Map([
        ['/var/log/secure', filePosition],
        ['journal', journalPosition],
      ]),
    });
  });

  it('accepts a file without the informational "written" time, and an empty fingerprint (empty file)', () => {
    const text = spoiled((doc) => {
      delete doc.written;
      doc.sources['/var/log/secure'].identity.fingerprint = '';
    });
    expect(decodeCheckpoints(text).ok).toBe(true);
  });

  it('says which field is wrong, by its dotted path', () => {
    const cases: [string, (doc: Record<string, any>) => void, string][] = [
      ['offset negative', (d) => (d.sources['/var/log/secure'].offset = -1), 'sources./var/log/secure.offset'],
      ['offset fractional', (d) => (d.sources['/var/log/secure'].offset = 1.5), 'sources./var/log/secure.offset'],
      ['offset a string', (d) => (d.sources['/var/log/secure'].offset = '12'), 'sources./var/log/secure.offset'],
      ['offset past 2^53', (d) => (d.sources['/var/log/secure'].offset = 2 ** 53), 'sources./var/log/secure.offset'],
      ['path missing', (d) => delete d.sources['/var/log/secure'].path, 'sources./var/log/secure.path'],
      ['path empty', (d) => (d.sources['/var/log/secure'].path = ''), 'sources./var/log/secure.path'],
      [
        'fingerprint not hex',
        (d) => (d.sources['/var/log/secure'].identity.fingerprint = 'zz'.repeat(32)),
        'sources./var/log/secure.identity.fingerprint',
      ],
      [
        'fingerprint short',
        (d) => (d.sources['/var/log/secure'].identity.fingerprint = 'ab'),
        'sources./var/log/secure.identity.fingerprint',
      ],
      ['inode missing', (d) => delete d.sources['/var/log/secure'].identity.ino, 'sources./var/log/secure.identity.ino'],
      ['identity not an object', (d) => (d.sources['/var/log/secure'].identity = [1]), 'sources./var/log/secure.identity'],
      ['unknown kind', (d) => (d.sources.journal.kind = 'socket'), 'sources.journal.kind'],
      ['cursor empty', (d) => (d.sources.journal.cursor = ''), 'sources.journal.cursor'],
      ['a file key on a journal position', (d) => (d.sources.journal.offset = 3), 'sources.journal'],
      ['unknown top-level key', (d) => (d.extra = true), '(top)'],
      ['unknown identity key', (d) => (d.sources['/var/log/secure'].identity.size = 1), 'sources./var/log/secure.identity'],
      ['sources not an object', (d) => (d.sources = []), 'sources'],
      ['an empty source id', (d) => (d.sources[''] = d.sources.journal), 'sources'],
      ['version missing', (d) => delete d.version, 'version'],
      ['version older', (d) => (d.version = 0), 'version'],
      ['written not a string', (d) => (d.written = 5), 'written'],
    ];
    for (const [what, change, where] of cases) {
      const decoded = decodeCheckpoints(spoiled(change));
      expect(decoded.ok, what).toBe(false);
      if (!decoded.ok) {
        expect(decoded.reason, what).toMatch(new RegExp(`^unexpected content at ${where.replace(/[.()/]/g, '\\$&')}: \\S`));
        expect(decoded.newerVersion, what).toBeUndefined();
      }
    }
  });

  it('is not fooled by a document that is not an object', () => {
    for (const text of ['null', '[]', '"checkpoints"', '42']) {
      expect(decodeCheckpoints(text)).toEqual({ ok: false, reason: 'unexpected content at (top): expected an object' });
    }
  });

  it('tells a truncated file (not JSON) from a newer format version', () => {
    const text = JSON.stringify(validDoc());
    const truncated = decodeCheckpoints(text.slice(0, text.length / 2));
    expect(truncated.ok).toBe(false);
    if (!truncated.ok) expect(truncated.reason).toMatch(/^not JSON \(/);
    const newer = decodeCheckpoints(spoiled((d) => (d.version = CHECKPOINT_VERSION + 1)));
    expect(newer).toEqual({ ok: false, reason: `format version ${CHECKPOINT_VERSION + 1}`, newerVersion: 2 });
  });
});

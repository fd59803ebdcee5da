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
    new Map<string, SourcePosition>([
      ['/var/log/secure', filePosition],
      ['journal', journalPosition],
    ]),
    new Date('2026-11-30T04:00:00Z'),
  );
  return JSON.parse(text) as Record<string, unknown>;
}

type Json = Record<string, unknown>;
const sources = (doc: Json) => doc.sources as Record<string, Json>;
const file = (doc: Json) => sources(doc)['/var/log/secure'] as Json;
const identity = (doc: Json) => file(doc).identity as Json;
const journal = (doc: Json) => sources(doc).journal as Json;

function spoiled(change: (doc: Json) => void): string {
  const doc = validDoc();
  change(doc);
  return JSON.stringify(doc);
}

describe('decodeCheckpoints', () => {
  it('reads back exactly what encodeCheckpoints wrote', () => {
    const decoded = decodeCheckpoints(JSON.stringify(validDoc()));
    expect(decoded).toEqual({
      ok: true,
      sources: new Map<string, SourcePosition>([
        ['/var/log/secure', filePosition],
        ['journal', journalPosition],
      ]),
    });
  });

  it('accepts a file without the informational "written" time, and an empty fingerprint (empty file)', () => {
    const text = spoiled((doc) => {
      delete doc.written;
      identity(doc).fingerprint = '';
    });
    expect(decodeCheckpoints(text).ok).toBe(true);
  });

  it('says which field is wrong, by its dotted path', () => {
    const cases: [string, (doc: Json) => void, string][] = [
      ['offset negative', (d) => (file(d).offset = -1), 'sources./var/log/secure.offset'],
      ['offset fractional', (d) => (file(d).offset = 1.5), 'sources./var/log/secure.offset'],
      ['offset a string', (d) => (file(d).offset = '12'), 'sources./var/log/secure.offset'],
      ['offset past 2^53', (d) => (file(d).offset = 2 ** 53), 'sources./var/log/secure.offset'],
      ['path missing', (d) => delete file(d).path, 'sources./var/log/secure.path'],
      ['path empty', (d) => (file(d).path = ''), 'sources./var/log/secure.path'],
      [
        'fingerprint not hex',
        (d) => (identity(d).fingerprint = 'zz'.repeat(32)),
        'sources./var/log/secure.identity.fingerprint',
      ],
      ['fingerprint short', (d) => (identity(d).fingerprint = 'ab'), 'sources./var/log/secure.identity.fingerprint'],
      ['inode missing', (d) => delete identity(d).ino, 'sources./var/log/secure.identity.ino'],
      ['identity not an object', (d) => (file(d).identity = [1]), 'sources./var/log/secure.identity'],
      ['unknown kind', (d) => (journal(d).kind = 'socket'), 'sources.journal.kind'],
      ['cursor empty', (d) => (journal(d).cursor = ''), 'sources.journal.cursor'],
      ['a file key on a journal position', (d) => (journal(d).offset = 3), 'sources.journal'],
      ['unknown top-level key', (d) => (d.extra = true), '(top)'],
      ['unknown identity key', (d) => (identity(d).size = 1), 'sources./var/log/secure.identity'],
      ['sources not an object', (d) => (d.sources = []), 'sources'],
      ['an empty source id', (d) => (sources(d)[''] = journal(d)), 'sources'],
      ['version missing', (d) => delete d.version, 'version'],
      ['version older', (d) => (d.version = 0), 'version'],
      ['written not a string', (d) => (d.written = 5), 'written'],
    ];
    for (const [what, change, where] of cases) {
      const decoded = decodeCheckpoints(spoiled(change));
      expect(decoded.ok, what).toBe(false);
      if (!decoded.ok) {
        expect(decoded.reason, what).toMatch(
          new RegExp(`^unexpected content at ${where.replace(/[.()/]/g, '\\$&')}: \\S`),
        );
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

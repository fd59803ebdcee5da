import type { FileIdentity, SourcePosition } from '../types.js';

/** The on-disk format's version; a file with a higher one was written by a newer wrapwatch. */
export const CHECKPOINT_VERSION = 1;

/**
 * The checkpoint file's format, checked by hand rather than by a schema library: the daemon
 * reads this file at every start, and a schema library kept loaded for the process's life cost
 * more resident memory than the whole checkpoint code (BENCHMARKS.md, "Idle RSS"). Every key
 * is checked; an unknown key, like a wrong type, makes the file unusable, because a file this
 * wrapwatch did not write is not trusted with the positions.
 *
 *   { "version": 1, "written": "ISO time (optional, for the operator)",
 *     "sources": { "<id>": { "kind": "file", "path": "...", "offset": N,
 *                            "identity": { "dev": N, "ino": N, "fingerprint": "<64 hex or empty>",
 *                                          "fingerprintBytes": N } }
 *                | { "kind": "journal", "cursor": "..." } } }
 */

/** The first thing wrong with the document: where (dotted path) and what. */
class FormatProblem extends Error {
  constructor(
    readonly path: readonly string[],
    readonly problem: string,
  ) {
    super(problem);
  }
}

type Fields = Readonly<Record<string, unknown>>;

/** A JSON object with only the `allowed` keys (null: any key). */
function objectAt(value: unknown, path: readonly string[], allowed: readonly string[] | null): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new FormatProblem(path, 'expected an object');
  const fields = value as Fields;
  if (allowed === null) return fields;
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) throw new FormatProblem(path, `unknown key "${key}"`);
  }
  return fields;
}

function countAt(fields: Fields, key: string, path: readonly string[]): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new FormatProblem([...path, key], 'expected a whole number >= 0');
  }
  return value;
}

function textAt(fields: Fields, key: string, path: readonly string[], pattern: RegExp = /./s): string {
  const value = fields[key];
  if (typeof value !== 'string') throw new FormatProblem([...path, key], 'expected a string');
  if (!pattern.test(value)) throw new FormatProblem([...path, key], `expected a string matching ${String(pattern)}`);
  return value;
}

const FINGERPRINT = /^(?:[0-9a-f]{64})?$/;

function identityAt(value: unknown, path: readonly string[]): FileIdentity {
  const fields = objectAt(value, path, ['dev', 'ino', 'fingerprint', 'fingerprintBytes']);
  return {
    dev: countAt(fields, 'dev', path),
    ino: countAt(fields, 'ino', path),
    fingerprint: textAt(fields, 'fingerprint', path, FINGERPRINT),
    fingerprintBytes: countAt(fields, 'fingerprintBytes', path),
  };
}

function positionAt(value: unknown, path: readonly string[]): SourcePosition {
  const kind = objectAt(value, path, ['kind', 'path', 'identity', 'offset', 'cursor']).kind;
  if (kind === 'file') {
    const fields = objectAt(value, path, ['kind', 'path', 'identity', 'offset']);
    return {
      kind,
      path: textAt(fields, 'path', path),
      identity: identityAt(fields.identity, [...path, 'identity']),
      offset: countAt(fields, 'offset', path),
    };
  }
  if (kind === 'journal') {
    const fields = objectAt(value, path, ['kind', 'cursor']);
    return { kind, cursor: textAt(fields, 'cursor', path) };
  }
  throw new FormatProblem([...path, 'kind'], 'expected "file" or "journal"');
}

function sourcesOf(doc: unknown): Map<string, SourcePosition> {
  const fields = objectAt(doc, [], ['version', 'written', 'sources']);
  if (fields.version !== CHECKPOINT_VERSION) throw new FormatProblem(['version'], `expected ${CHECKPOINT_VERSION}`);
  if (fields.written !== undefined && typeof fields.written !== 'string') {
    throw new FormatProblem(['written'], 'expected a string');
  }
  const sources = objectAt(fields.sources, ['sources'], null);
  const positions = new Map<string, SourcePosition>();
  for (const [id, position] of Object.entries(sources)) {
    if (id === '') throw new FormatProblem(['sources'], 'a source id is empty');
    positions.set(id, positionAt(position, ['sources', id]));
  }
  return positions;
}

/** Why the text of a checkpoint file cannot be used. */
export type DecodeResult =
  | { readonly ok: true; readonly sources: Map<string, SourcePosition> }
  | { readonly ok: false; readonly reason: string; readonly newerVersion?: number };

export function decodeCheckpoints(text: string): DecodeResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (doc !== null && typeof doc === 'object' && 'version' in doc) {
    const version = doc.version;
    if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
      return { ok: false, reason: `format version ${version}`, newerVersion: version };
    }
  }
  try {
    return { ok: true, sources: sourcesOf(doc) };
  } catch (err) {
    if (!(err instanceof FormatProblem)) throw err;
    return { ok: false, reason: `unexpected content at ${err.path.join('.') || '(top)'}: ${err.problem}` };
  }
}

export function encodeCheckpoints(sources: ReadonlyMap<string, SourcePosition>, written: Date): string {
  const doc = { version: CHECKPOINT_VERSION, written: written.toISOString(), sources: Object.fromEntries(sources) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

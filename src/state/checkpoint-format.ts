import { z } from 'zod';
import type { SourcePosition } from '../types.js';

/** The on-disk format's version; a file with a higher one was written by a newer wrapwatch. */
export const CHECKPOINT_VERSION = 1;

const identitySchema = z.strictObject({
  dev: z.number().int().nonnegative(),
  ino: z.number().int().nonnegative(),
  fingerprint: z.string().regex(/^(?:[0-9a-f]{64})?$/),
  fingerprintBytes: z.number().int().nonnegative(),
});

const positionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('file'),
    path: z.string().min(1),
    identity: identitySchema,
    offset: z.number().int().nonnegative(),
  }),
  z.strictObject({ kind: z.literal('journal'), cursor: z.string().min(1) }),
]);

const fileSchema = z.strictObject({
  version: z.literal(CHECKPOINT_VERSION),
  /** When it was written, for the operator reading the file; not used. */
  written: z.string().optional(),
  sources: z.record(z.string().min(1), positionSchema),
});

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
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `unexpected content${issue ? ` at ${issue.path.join('.') || '(top)'}: ${issue.message}` : ''}`,
    };
  }
  return { ok: true, sources: new Map(Object.entries(parsed.data.sources)) };
}

export function encodeCheckpoints(sources: ReadonlyMap<string, SourcePosition>, written: Date): string {
  const doc = { version: CHECKPOINT_VERSION, written: written.toISOString(), sources: Object.fromEntries(sources) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

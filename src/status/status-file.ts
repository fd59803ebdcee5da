import { readFile } from 'node:fs/promises';
import { statusDocumentSchema, STATUS_FORMAT, type StatusDocument } from './status-document.js';

/** Where systemd's `RuntimeDirectory=wrapwatch` puts it; `status` and `check` look here by default. */
export const DEFAULT_STATUS_FILE = '/run/wrapwatch/status.json';

export type StatusRead =
  | { readonly kind: 'ok'; readonly doc: StatusDocument }
  | { readonly kind: 'missing'; readonly path: string }
  | { readonly kind: 'unreadable'; readonly path: string; readonly message: string };

export async function readStatusFile(path: string): Promise<StatusRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing', path };
    return {
      kind: 'unreadable',
      path,
      message: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unreadable', path, message: `${path} is not JSON: not a wrapwatch status file?` };
  }
  const format = typeof value === 'object' && value !== null && 'format' in value ? value.format : undefined;
  if (format !== STATUS_FORMAT) {
    return {
      kind: 'unreadable',
      path,
      message: `${path} has status format ${String(format)}, this wrapwatch reads format ${STATUS_FORMAT}: run the same wrapwatch version as the daemon`,
    };
  }
  const parsed = statusDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: 'unreadable',
      path,
      message: `${path}: field ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { kind: 'ok', doc: parsed.data };
}

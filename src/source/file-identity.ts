import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { FileIdentity } from '../types.js';

/**
 * How many leading bytes identify a file's content. 1 KiB of a log holds a dozen timestamped
 * lines: two different logs never share it, and hashing it on every probe costs nothing.
 */
export const FINGERPRINT_BYTES = 1024;

export function fingerprintOf(head: Uint8Array): string {
  return head.length === 0 ? '' : createHash('sha256').update(head).digest('hex');
}

export function identityOf(file: { readonly dev: number; readonly ino: number }, head: Uint8Array): FileIdentity {
  return { dev: file.dev, ino: file.ino, fingerprint: fingerprintOf(head), fingerprintBytes: head.length };
}

/**
 * Whether `head` (the first bytes of some file's content, at least as many as the identity
 * hashed) begins with the content the identity was taken from.
 */
export function contentMatches(identity: FileIdentity, head: Uint8Array): boolean {
  if (head.length < identity.fingerprintBytes) return false;
  return fingerprintOf(head.subarray(0, identity.fingerprintBytes)) === identity.fingerprint;
}

/** The same inode and the same first bytes: an inode number reused for a new file fails the second test. */
export function sameFile(
  identity: FileIdentity,
  file: { readonly dev: number; readonly ino: number },
  head: Uint8Array,
): boolean {
  return identity.dev === file.dev && identity.ino === file.ino && contentMatches(identity, head);
}

/** Reads up to `length` bytes from the start of an open file (fewer when the file is shorter). */
export async function readHead(handle: FileHandle, length = FINGERPRINT_BYTES): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

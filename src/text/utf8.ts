/**
 * Cutting UTF-8 without splitting a character: the one rule both the throttle (output text)
 * and the NSCA packet (output bytes) apply.
 */

/** Where to cut `bytes` to keep at most `maxBytes` of it, never inside a UTF-8 sequence. */
export function utf8CutIndex(bytes: Uint8Array, maxBytes: number): number {
  if (bytes.length <= maxBytes) return bytes.length;
  let cut = Math.max(0, maxBytes);
  // bytes[cut] is the first byte dropped; if it continues a sequence, drop that sequence's start too.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/** Cuts text to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Fast path: no character takes more than 3 UTF-8 bytes per UTF-16 unit.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return bytes.subarray(0, utf8CutIndex(bytes, maxBytes)).toString('utf8');
}

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's path; the `systemd-journal-remote` package is in .ci/run's apt line. */
export const JOURNAL_REMOTE =
  ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'].find((p) => existsSync(p)) ??
  '/lib/systemd/systemd-journal-remote';

export type JournalFields = Record<string, string | Buffer>;

const BOOT_ID = '0123456789abcdef0123456789abcdef';
let monotonic = 1_000_000;

/**
 * One entry in the journal export format: `KEY=value` lines, or `KEY`, a little-endian 64-bit
 * length and the raw bytes for values that are binary or hold a newline. Trusted fields
 * (`_COMM`, `_EXE`, `_PID`) can be written here because we author the entries, as a remote
 * journald would.
 */
function exportEntry(fields: JournalFields, realtimeUs: bigint): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`__REALTIME_TIMESTAMP=${realtimeUs}\n__MONOTONIC_TIMESTAMP=${monotonic++}\n_BOOT_ID=${BOOT_ID}\n`),
  ];
  for (const [key, value] of Object.entries(fields)) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (bytes.includes(0x0a) || typeof value !== 'string') {
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(bytes.length));
      parts.push(Buffer.from(`${key}\n`), length, bytes, Buffer.from('\n'));
    } else {
      parts.push(Buffer.from(`${key}=`), bytes, Buffer.from('\n'));
    }
  }
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** Appends entries to a real `.journal` file (created if missing) with systemd-journal-remote. */
export function appendJournal(file: string, entries: readonly JournalFields[]): Promise<void> {
  const base = BigInt(Date.now()) * 1000n;
  const input = Buffer.concat(entries.map((fields, i) => exportEntry(fields, base + BigInt(i))));
  return new Promise((resolve, reject) => {
    const child = spawn(JOURNAL_REMOTE, [`--output=${file}`, '--split-mode=none', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`systemd-journal-remote exited ${code}: ${stderr}`));
    });
    child.stdin.end(input);
  });
}

/** A genuine-looking entry: the trusted fields agree with the claimed identifier. */
export function entry(identifier: string, message: string, extra: JournalFields = {}): JournalFields {
  return {
    _HOSTNAME: 'firestorm',
    SYSLOG_IDENTIFIER: identifier,
    SYSLOG_PID: '4242',
    _PID: '4242',
    _UID: '0',
    _COMM: identifier.slice(0, 15),
    _EXE: `/usr/sbin/${identifier}`,
    MESSAGE: message,
    ...extra,
  };
}

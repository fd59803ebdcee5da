import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, SourceLine } from '../../src/types.js';

export interface LogEntry {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly obj: object;
  readonly msg: string;
}

/** A logger that remembers what it was told, for asserting that problems were reported. */
export function captureLogger(): Logger & {
  readonly entries: LogEntry[];
  messages(level?: LogEntry['level']): string[];
} {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg: msg ?? '' });
  };
  return {
    entries,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    messages: (level) => entries.filter((e) => level === undefined || e.level === level).map((e) => e.msg),
  };
}

/** A line handler that keeps every batch; `hold()` makes it wait, to exercise backpressure. */
export function collector() {
  const lines: SourceLine[] = [];
  const batches: number[] = [];
  let gate: Promise<void> | null = null;
  let open: (() => void) | null = null;
  return {
    lines,
    batches,
    texts: (): string[] => lines.filter((l) => l.defect === undefined).map((l) => l.text),
    handler: async (batch: readonly SourceLine[]): Promise<void> => {
      if (gate) await gate;
      lines.push(...batch);
      batches.push(batch.length);
    },
    hold(): void {
      gate = new Promise((resolve) => (open = resolve));
    },
    release(): void {
      open?.();
      gate = null;
    },
  };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs` (no fixed sleeps). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh directory under the system temp dir, and its removal. */
export async function tempDir(prefix = 'wrapwatch-source-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

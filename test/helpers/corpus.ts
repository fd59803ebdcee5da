import { readFileSync } from 'node:fs';
import type { RefusalPeer } from '../../src/types.js';
import { fileURLToPath } from 'node:url';

/** What a labelled corpus line should parse to; null when it is no refusal. */
export interface CorpusExpectation {
  readonly daemon: string;
  readonly service: string | null;
  /** The client's address; null when the line does not carry it (then `peer` says why). */
  readonly address: string | null;
  readonly family: 4 | 6 | null;
  readonly pid: number | null;
  readonly host: string;
  /** Only where the address is not the client's: tftpd-hpa logs its own, inetd may log only a name. */
  readonly peer?: 'server-address' | 'name-only';
  readonly serverAddress?: string;
  readonly client?: string;
}

export interface CorpusCase {
  readonly file: string;
  readonly index: number;
  readonly line: string;
  readonly expect: CorpusExpectation | null;
}

/**
 * cases-daemons-2026-11-30.jsonl: the messages real tftpd-hpa 5.2, openbsd-inetd and tcpd-under-
 * xinetd (empty tag) wrote on Debian 12 (issue 13), each in the three rsyslog header formats.
 */
export const CORPUS_FILES = ['cases.jsonl', 'cases-other-daemons.jsonl', 'cases-daemons-2026-11-30.jsonl'] as const;

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
}

/** The real captured lines from fixtures/ (copied from the shared corpus, labelled). */
export function loadCorpus(): CorpusCase[] {
  return CORPUS_FILES.flatMap((file) =>
    readFileSync(fixturePath(file), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((json, index) => {
        const parsed = JSON.parse(json) as { line: string; expect: CorpusExpectation | null };
        return { file, index: index + 1, line: parsed.line, expect: parsed.expect };
      }),
  );
}

/** The client address of an event, or null where the line does not carry it. */
export function clientAddressOf(event: { readonly peer: RefusalPeer }): string | null {
  return event.peer.kind === 'client-address' ? event.peer.address : null;
}

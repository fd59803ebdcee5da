import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What a labelled corpus line should parse to; null when it is no refusal. */
export interface CorpusExpectation {
  readonly daemon: string;
  readonly service: string | null;
  readonly address: string;
  readonly family: 4 | 6;
  readonly pid: number | null;
  readonly host: string;
}

export interface CorpusCase {
  readonly file: string;
  readonly index: number;
  readonly line: string;
  readonly expect: CorpusExpectation | null;
}

export const CORPUS_FILES = ['cases.jsonl', 'cases-other-daemons.jsonl'] as const;

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

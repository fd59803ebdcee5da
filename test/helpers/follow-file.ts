import { statSync } from 'node:fs';
import { FileSource, type FileSourceOptions } from '../../src/source/file-source.js';
import { createSeqCounter } from '../../src/source/line-source.js';
import type { SourcePosition } from '../../src/types.js';
import { captureLogger, collector } from './source-harness.js';

/** Starts nothing: builds a FileSource with test-sized defaults and the helpers to observe it. */
export function fileSourceUnderTest(
  path: string,
  options: Partial<FileSourceOptions> = {},
  running?: { push(source: FileSource): unknown },
) {
  const sink = collector();
  const logger = captureLogger();
  const source = new FileSource({
    path,
    startAt: 'beginning',
    maxLineBytes: 1024,
    rotationGraceMs: 300,
    pollIntervalMs: 50,
    onLines: sink.handler,
    nextSeq: createSeqCounter(),
    logger,
    ...options,
  });
  running?.push(source);
  return { source, sink, logger };
}

/** [text or <defect>, offset just past the line, inode of the file it was read from] */
export type Seen = [string, number, number];

export function seenLines(sink: ReturnType<typeof collector>): Seen[] {
  return sink.lines.map((l) => {
    const p = l.position as Extract<SourcePosition, { kind: 'file' }>;
    return [l.defect ? `<${l.defect}>` : l.text, p.offset, p.identity.ino];
  });
}

export const inodeOf = (path: string): number => statSync(path).ino;

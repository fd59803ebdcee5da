import type { FileIdentity, Logger, SourceLine, SourcePosition } from '../types.js';
import type { SplitLine } from './line-splitter.js';
import type { NextSeq, StatsCounter } from './line-source.js';

/**
 * Turns the split lines of one followed path into SourceLines: each stamped with its position
 * (the file's identity, the offset past its newline) and the next sequence number. Defective
 * lines are counted, and warned about once per kind, so a flood of garbage cannot flood the log.
 */
export class LineStamper {
  private readonly defectsWarned = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly nextSeq: NextSeq,
    private readonly counters: StatsCounter,
    private readonly logger: Logger,
  ) {}

  stamp(file: { readonly label: string; readonly identity: FileIdentity }, line: SplitLine): SourceLine {
    this.counters.lines++;
    const position = this.positionIn(file, line.end);
    const seq = this.nextSeq();
    if (line.defect === undefined) return { sourceId: this.path, seq, text: line.text, position };
    this.counters.skip(line.defect);
    const fields = { source: this.path, file: file.label, offset: line.end, reason: line.defect };
    if (!this.defectsWarned.has(line.defect)) {
      this.defectsWarned.add(line.defect);
      this.logger.warn(
        fields,
        `skipped a ${line.defect} line in ${file.label} (further ones are counted in the stats and logged at debug level)`,
      );
    } else {
      this.logger.debug(fields, `skipped a ${line.defect} line`);
    }
    return { sourceId: this.path, seq, text: '', position, defect: line.defect };
  }

  positionIn(file: { readonly identity: FileIdentity }, offset: number): SourcePosition {
    return { kind: 'file', path: this.path, identity: file.identity, offset };
  }
}

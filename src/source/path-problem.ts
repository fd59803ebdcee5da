import type { Logger } from '../types.js';
import { NotRegularFileError } from './followed-file.js';

/** Why the configured path cannot be followed right now. */
export type PathProblem =
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-regular' }
  | { readonly kind: 'unreadable'; readonly code: string };

export function pathProblemOf(err: unknown): PathProblem {
  if (err instanceof NotRegularFileError) return { kind: 'not-regular' };
  const code = (err as NodeJS.ErrnoException | null)?.code ?? String(err);
  return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', code };
}

const TEXT: Record<PathProblem['kind'], string> = {
  missing: 'does not exist; waiting for it to be created',
  'not-regular': 'is not a regular file (a directory or a FIFO?); waiting for a regular file there',
  unreadable: 'cannot be opened; retrying',
};

/**
 * Warns once per episode that the path cannot be followed. Right after a rotation the path is
 * often missing for a moment, so the source asks for the warning only once nothing is left to read.
 */
export class PathProblemReporter {
  private problem: PathProblem | null = null;
  private warned = false;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
  ) {}

  get current(): PathProblem | null {
    return this.problem;
  }

  note(problem: PathProblem): void {
    if (this.problem?.kind !== problem.kind) {
      this.problem = problem;
      this.warned = false;
    }
  }

  warn(): void {
    const problem = this.problem;
    if (problem === null || this.warned) return;
    this.warned = true;
    this.logger.warn(
      { source: this.path, problem },
      `${this.path} ${TEXT[problem.kind]}${problem.kind === 'unreadable' ? ` (${problem.code})` : ''}`,
    );
  }

  clear(): void {
    this.problem = null;
    this.warned = false;
  }
}

/** One bad field, named by its dotted path (`throttle.window_seconds`, `rule[2].clients`). */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** EX_CONFIG from sysexits.h: systemd's RestartPreventExitStatus=78 stops a restart loop on it. */
export const EX_CONFIG = 78;

/** The configuration cannot be used; lists every problem, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly file: string;

  constructor(file: string, problems: readonly ConfigProblem[]) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n` +
        problems.map((p) => `  ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.file = file;
    this.problems = problems;
  }
}

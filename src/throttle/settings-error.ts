/**
 * One unusable throttle setting, by its config path (`rule[2].clients`). The same shape as the
 * config loader's ConfigProblem, defined here so the throttle imports nothing from src/config
 * (the config compile step imports the throttle's checks: one direction only).
 */
export interface SettingProblem {
  readonly path: string;
  readonly message: string;
}

/** A configuration that skipped the compile step (tests, library use) and cannot be used. */
export class ThrottleSettingsError extends Error {
  override readonly name = 'ThrottleSettingsError';
  constructor(readonly problems: readonly SettingProblem[]) {
    super(`the throttle settings cannot be used:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
}

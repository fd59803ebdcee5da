import type { Alert, PassiveCheckResult, ResultSink, Seq, SinkStats } from '../types.js';
import { InvalidResultError } from './errors.js';

/**
 * `wrapwatch run --dry-run`: every result is printed at once in the selected transport's own
 * terms (the command-file line for NSCA and NSCA-ng, the request and JSON body for Icinga 2),
 * and counts as delivered. Lets a new user see wrapwatch work
 * without a Nagios server.
 */
export class DryRunSink implements ResultSink {
  private sent = 0;
  private invalid = 0;

  constructor(
    private readonly write: (text: string) => void,
    /** The transport's `describe`: what it would send for a result. */
    private readonly describe: (result: PassiveCheckResult) => string,
  ) {}

  submit(alerts: readonly Alert[]): void {
    const lines: string[] = [];
    for (const alert of alerts) {
      try {
        lines.push(`${this.describe(alert)}\n`);
        this.sent++;
      } catch (err) {
        if (!(err instanceof InvalidResultError)) throw err;
        this.invalid++;
        lines.push(`# not sent: ${err.message}\n`);
      }
    }
    if (lines.length > 0) this.write(lines.join(''));
  }

  retarget(): void {}

  oldestPendingSeq(): Seq | null {
    return null;
  }

  drain(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  stats(): SinkStats {
    return {
      receiver: 'none (dry run)',
      pending: 0,
      sent: this.sent,
      overflowed: 0,
      invalid: this.invalid,
      failures: 0,
      failuresByReason: {},
      refused: 0,
      refusedByReason: {},
      transport: 'dry-run',
      endpoint: 'stdout',
    };
  }
}

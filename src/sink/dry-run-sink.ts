import type { Alert, ResultSink, Seq, SinkStats } from '../types.js';
import { commandFileLine } from './command-line.js';

/**
 * `wrapwatch run --dry-run`: every result is printed at once as the line nsca would append to
 * the Nagios command file, and counts as delivered. Lets a new user see wrapwatch work
 * without a Nagios server.
 */
export class DryRunSink implements ResultSink {
  private sent = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  submit(alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    const seconds = Math.floor(this.now() / 1000);
    this.write(alerts.map((alert) => `${commandFileLine(alert, seconds)}\n`).join(''));
    this.sent += alerts.length;
  }

  retarget(): void {}

  oldestPendingSeq(): Seq | null {
    return null;
  }

  async drain(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  stats(): SinkStats {
    return { receiver: 'none (dry run)', pending: 0, sent: this.sent, overflowed: 0, invalid: 0, failures: 0, failuresByReason: {}, refused: 0, transport: 'dry-run', endpoint: 'stdout' };
  }
}

import { liveness } from '../status/liveness.js';
import { readStatusFile } from '../status/status-file.js';
import { statusFileFor } from '../status/status-file-option.js';
import { statusText } from '../status/status-text.js';
import { parseCommandLine } from './usage.js';
import { realScheduler } from '../time/scheduler.js';

const USAGE = `usage: wrapwatch status [--json] [-f STATUS_FILE | --config FILE]

Shows how the running daemon is doing, from the status file it rewrites every few seconds
(default /run/wrapwatch/status.json, systemd's RuntimeDirectory=; or [state] status_file of
--config FILE): version, pid, uptime, followed logs and how far behind, the receiver, pending
results, refusals and results in the last 1/5/15 minutes, the busiest sources, every counter.
--json prints the status document with a "daemon" field saying whether it is still running.

Exit 0: running; 3: not running (no status file, pid gone, stopped) or stale (not rewritten
for 3 intervals); 1: the status file cannot be read.`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      options: {
        json: { type: 'boolean' },
        'status-file': { type: 'string', short: 'f' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (typeof args === 'number') return args;
  if (args.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let path: string;
  try {
    path = await statusFileFor(args.values['status-file'], args.values.config);
  } catch (err) {
    process.stderr.write(
      `wrapwatch: cannot read the config for status_file: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  const read = await readStatusFile(path);
  switch (read.kind) {
    case 'missing':
      process.stderr.write(
        `wrapwatch is not running: no status file at ${path} (started by systemd? else set [state] status_file and pass --config)\n`,
      );
      return 3;
    case 'unreadable':
      process.stderr.write(`wrapwatch: ${read.message}\n`);
      return 1;
    case 'ok':
      break;
    default: {
      const unknownRead: never = read;
      return unknownRead;
    }
  }
  const now = realScheduler.now();
  // Three missed rewrites (at least 15 s) before a live pid is called stale: a busy moment is not a hang.
  const live = liveness(read.doc, now, Math.max(15, 3 * read.doc.intervalSeconds));
  if (args.values.json === true) process.stdout.write(`${JSON.stringify({ ...read.doc, daemon: live }, null, 2)}\n`);
  else process.stdout.write(statusText(read.doc, live, now));
  return live.kind === 'running' ? 0 : 3;
}

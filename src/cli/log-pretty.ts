import { createInterface } from 'node:readline';
import { prettyLogLine } from '../log/logger.js';
import { parseCommandLine } from './usage.js';

const USAGE = `usage: wrapwatch log-pretty

Reads wrapwatch's JSON log lines on standard input and prints them readably, one line each:
date and time, level, message, then the fields as key=value. Text from log lines (client
names, ident users) stays escaped, so it cannot forge a line or move the cursor. Needs
nothing but wrapwatch itself:

  journalctl -u wrapwatch -o cat | wrapwatch log-pretty
  journalctl -u wrapwatch -o cat -f | wrapwatch log-pretty`;

/** A `<N>` syslog priority prefix, as wrapwatch writes under systemd, if journald did not strip it. */
const PRIORITY = /^<[0-7]>/;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv, { options: { help: { type: 'boolean', short: 'h' } } }, USAGE);
  if (typeof args === 'number') return args;
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    if (!process.stdout.write(prettyLogLine(line.replace(PRIORITY, ''), { fullTime: true }))) {
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    }
  }
  return 0;
}

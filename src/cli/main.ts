#!/usr/bin/env node
/**
 * wrapwatch's command line: one sub-command per module, loaded on demand so that
 * `wrapwatch parse` does not pay for the NSCA client or the file watcher.
 */
import { usageError } from './usage.js';

type Command = { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  parse: { summary: 'print the libwrap refusals found in log files (or stdin)', load: () => import('./parse.js') },
  'check-config': { summary: 'validate a config file and print the effective settings', load: () => import('./check-config.js') },
};

const USAGE = `usage: wrapwatch <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`)
  .join('\n')}

Run "wrapwatch <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) return usageError(`unknown command "${name}"`, USAGE);
  return (await command.load()).main(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wrapwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * wrapwatch's command line: one sub-command per module, loaded on demand so that
 * `wrapwatch parse` does not pay for the NSCA client or the file watcher. The build bundles
 * this file and each command into CommonJS (packaging/bundle.mjs): what runs is
 * dist/wrapwatch.cjs, which requires dist/commands/<name>.cjs.
 *
 * The shebang caps V8's semi-spaces at 2 MiB (default 16): the young generation then stays
 * small, which took 10 MiB off the peak of `parse` over a million lines and lowers the daemon's
 * at the same CPU (BENCHMARKS.md). A flag here, not in code: V8 sizes its heap before any
 * script runs.
 */
import { wrapwatchVersion } from '../version.js';
import { usageError } from './usage.js';
import { realScheduler } from '../time/scheduler.js';

type Command = { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  parse: { summary: 'print the libwrap refusals found in log files (or stdin)', load: () => import('./parse.js') },
  run: {
    summary: 'run the daemon: follow the log and report refusals to the receiver of [output]',
    load: () => import('./run.js'),
  },
  'check-config': {
    summary: 'validate a config file and print the effective settings',
    load: () => import('./check-config.js'),
  },
  send: { summary: 'send passive check results like send_nsca', load: () => import('./send.js') },
  status: { summary: 'show how the running daemon is doing (from its status file)', load: () => import('./status.js') },
  check: {
    summary: 'Nagios plugin: check wrapwatch itself (for NRPE / the Icinga agent)',
    load: () => import('./check.js'),
  },
  'log-pretty': {
    summary: "print wrapwatch's JSON log (stdin) readably, attacker text escaped",
    load: () => import('./log-pretty.js'),
  },
};

const USAGE = `usage: wrapwatch <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`)
  .join('\n')}

Run "wrapwatch <command> --help" for a command's options; "wrapwatch --version" (-V) prints the version.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`wrapwatch ${wrapwatchVersion()}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) return usageError(`unknown command "${name}"`, USAGE);
  return (await command.load()).main(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A handle left open somewhere (a watcher, a socket) must not keep a stopped daemon alive;
    // unref'd, this fires only if the event loop would otherwise not end by itself.
    realScheduler.timeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`wrapwatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);

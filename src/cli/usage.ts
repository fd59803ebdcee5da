import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit status for a bad command line (as send_nsca and grep use). */
export const EXIT_USAGE = 2;

export function usageError(message: string, usage: string): number {
  process.stderr.write(`wrapwatch: ${message}\n${usage}\n`);
  return EXIT_USAGE;
}

/** node:util parseArgs, with a bad flag turned into a usage message (a number: the exit status). */
export function parseCommandLine<T extends Omit<ParseArgsConfig, 'args'>>(
  argv: string[],
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> | number {
  try {
    return parseArgs<T>({ ...config, args: argv });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err), usage);
  }
}

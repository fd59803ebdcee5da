/**
 * send_nsca's command line, parsed by hand: `-to` and `-ds` are two-letter flags with one dash,
 * which node:util parseArgs would read as `-t -o`. The first argument may be the server
 * itself (send_nsca's old syntax: `send_nsca 10.0.0.5 -p 5667`).
 */

export const DEFAULT_PORT = 5667;
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** send_nsca 2.10's separator between results (^W). */
export const ETB = 0x17;

export interface SendArgs {
  readonly host: string;
  readonly port: number;
  /** Limit for each connection step on its own (send_nsca: one alarm for the whole run). */
  readonly timeoutSeconds: number;
  /** Byte between the fields of a result; tab by default. */
  readonly fieldDelimiter: number;
  /** Byte between results; null: ETB, or newlines when the input has no ETB at all. */
  readonly setDelimiter: number | null;
  /** send_nsca.cfg to read; null: the default one, if it exists. */
  readonly configFile: string | null;
  readonly quiet: boolean;
}

export type ParsedSendArgs =
  { readonly kind: 'send'; readonly args: SendArgs } | { readonly kind: 'help' } | { readonly kind: 'version' };

export class SendUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendUsageError';
  }
}

/**
 * send_nsca's delimiter argument: one character stands for itself, anything longer that starts
 * like a number is a character code in C notation ("0x09", "011", "9" is the digit nine).
 */
export function parseDelimiter(flag: string, arg: string): number {
  if (arg.length === 1) {
    const code = arg.charCodeAt(0);
    if (code === 0 || code > 0x7f)
      throw new SendUsageError(`${flag} "${arg}": give one ASCII character or a character code such as 0x09`);
    return code;
  }
  const numeric = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(arg);
  if (!numeric?.[1])
    throw new SendUsageError(
      `${flag} "${arg}": give one character or a character code such as 0x09 (hex), 011 (octal) or 9`,
    );
  const digits = numeric[1];
  const code = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.startsWith('0')
      ? parseInt(digits, 8)
      : parseInt(digits, 10);
  if (!(code >= 1 && code <= 255)) throw new SendUsageError(`${flag} "${arg}": the character code must be 1 to 255`);
  return code;
}

function parsePort(arg: string): number {
  const port = /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new SendUsageError(`-p "${arg}": a port is a number from 1 to 65535`);
  return port;
}

function parseTimeout(arg: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(arg) ? Number(arg) : NaN;
  if (!(seconds > 0 && seconds <= 86_400))
    throw new SendUsageError(`-to "${arg}": a timeout is a number of seconds greater than 0`);
  return seconds;
}

export function parseSendArgs(argv: readonly string[]): ParsedSendArgs {
  let host: string | null = null;
  let port = DEFAULT_PORT;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  let fieldDelimiter = 0x09;
  let setDelimiter: number | null = null;
  let configFile: string | null = null;
  let quiet = false;

  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? '';
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new SendUsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '-V':
      case '--version':
        return { kind: 'version' };
      case '--quiet':
        quiet = true;
        break;
      case '-H':
        host = value();
        break;
      case '-p':
        port = parsePort(value());
        break;
      case '-to':
        timeoutSeconds = parseTimeout(value());
        break;
      case '-d':
        fieldDelimiter = parseDelimiter(flag, value());
        break;
      case '-ds':
        setDelimiter = parseDelimiter(flag, value());
        break;
      case '-c':
        configFile = value();
        break;
      case '--legacy-2-7-mode':
        throw new SendUsageError(
          '--legacy-2-7-mode (512-byte packets for nsca 2.7) is not supported: nsca 2.9 and later take the 4304-byte packets sent here',
        );
      default:
        // send_nsca's old syntax: the server as the very first argument.
        if (i === 0 && !flag.startsWith('-') && flag !== '') {
          host = flag;
          break;
        }
        throw new SendUsageError(`unknown option "${flag}"`);
    }
  }
  if (host === null || host === '')
    throw new SendUsageError('-H <host_address> is required: the address of the NSCA server');
  if ((setDelimiter ?? ETB) === fieldDelimiter)
    throw new SendUsageError('the field delimiter (-d) and the result separator (-ds, default 0x17) must differ');
  return { kind: 'send', args: { host, port, timeoutSeconds, fieldDelimiter, setDelimiter, configFile, quiet } };
}

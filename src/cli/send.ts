import type { Readable, Writable } from 'node:stream';
import { ENCRYPTION_METHODS } from '../sink/nsca/methods.js';
import { describeEncryptionMethod, supportedEncryptionMethods } from '../sink/nsca/ciphers.js';
import { sendPrepared } from '../sink/nsca/client.js';
import { NscaDeliveryError } from '../sink/nsca/errors.js';
import { prepareRawResult } from '../sink/nsca/fields.js';
import { DEFAULT_PORT, DEFAULT_TIMEOUT_SECONDS, parseSendArgs, SendUsageError } from './send-args.js';
import { DEFAULT_SEND_NSCA_CONFIG, loadSendNscaConfig } from './send-config.js';
import { parseSendInput } from './send-input.js';

/** send_nsca exits 2 (CRITICAL) when it cannot deliver; so does every failure here. */
export const EXIT_FAILURE = 2;
/** The most the rejection watch after a lone packet may last (it is sized from the greeting's round trip). */
const REJECTION_WATCH_CAP_MS = 300;

const USAGE = `usage: wrapwatch send -H <host_address> [-p port] [-to to_sec] [-d delim] [-ds set_delim] [-c config_file] [--quiet]

Sends passive check results to an NSCA server, like send_nsca (a drop-in for it in
submit_check_result scripts). Reads the results from standard input:

  service result:  host<TAB>service<TAB>return_code<TAB>output
  host result:     host<TAB>return_code<TAB>output

Results are separated by the ETB character (0x17, ^W) as with send_nsca 2.10, or, when the
input contains no ETB at all, one per line. Trailing blanks are dropped.

  -H host       the NSCA server (also accepted as the first argument)
  -p port       its port (default ${DEFAULT_PORT})
  -to seconds   limit for EACH step: connecting, the server's greeting, each write that has to
                wait (default ${DEFAULT_TIMEOUT_SECONDS}). send_nsca's -to is one alarm for the whole run.
  -d delim      field delimiter (default tab); one character, or a code such as 0x09
  -ds delim     result separator (default 0x17; then no newline fallback)
  -c file       send_nsca.cfg with password= and encryption_method= lines. Without -c,
                ${DEFAULT_SEND_NSCA_CONFIG} if it exists (as Debian's send_nsca), otherwise
                encryption_method=1 (XOR) and no password (send_nsca's built-in values).
  --quiet       no success message

Encryption methods: ${ENCRYPTION_METHODS.map(describeEncryptionMethod).join(', ')}.
Available in this process: {available}.

Bad results (a ";" or a control character in host or service, a host over 63 or a service
over 127 bytes, a return code that is not a number, too few fields) are reported with their
line number and NOT sent; the good ones still are, and the exit status is ${EXIT_FAILURE}. An output
over 4095 bytes is cut on a character boundary and ends in "...[truncated]".

NSCA never acknowledges a result, but the server reads until the client's end of stream and
only then closes; on a packet it cannot decrypt it hangs up at once. wrapwatch send half-closes
after the last packet and waits (-to) for the server's close: that proves the server read every
result. A wrong password or encryption method is reported as an error (exit ${EXIT_FAILURE}), where send_nsca
reports success. What nsca itself does with a result after reading it (it drops it silently when
the Nagios command pipe is full) no NSCA client can see.

Exit status: 0 every result sent and confirmed; ${EXIT_FAILURE} anything else (usage, config, a bad result,
no result, the server unreachable, timed out, rejecting the results, or not confirming them),
with how many results were written and how many confirmed.`;

export interface SendIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** send_nsca.cfg read when -c is not given. */
  readonly defaultConfigFile: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

function usageText(): string {
  return USAGE.replace('{available}', supportedEncryptionMethods().map(describeEncryptionMethod).join(', '));
}

export async function runSend(argv: readonly string[], io: SendIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr.write(`wrapwatch send: ${message}\n`);
    return EXIT_FAILURE;
  };

  let parsed;
  try {
    parsed = parseSendArgs(argv);
  } catch (error) {
    if (error instanceof SendUsageError) return fail(`${error.message}\n${usageText()}`);
    throw error;
  }
  if (parsed.kind === 'help') {
    io.stdout.write(`${usageText()}\n`);
    return 0;
  }
  if (parsed.kind === 'version') {
    io.stdout.write('wrapwatch send: NSCA client, packet version 3, compatible with send_nsca 2.9 and 2.10\n');
    return 0;
  }
  const args = parsed.args;

  try {
    const config = await loadSendNscaConfig(args.configFile, io.defaultConfigFile);
    const input = parseSendInput(await readAll(io.stdin), args.fieldDelimiter, args.setDelimiter);
    for (const problem of input.problems)
      io.stderr.write(`wrapwatch send: ${problem.where}: ${problem.message}; not sent\n`);
    if (input.results.length === 0) {
      return input.problems.length > 0
        ? EXIT_FAILURE
        : fail('no results on standard input (expected host<TAB>[service<TAB>]return_code<TAB>output)');
    }

    const prepared = input.results.map(({ result }, index) => prepareRawResult(result, index));
    prepared.forEach((result, index) => {
      if (result.truncated)
        io.stderr.write(`wrapwatch send: ${input.results[index]?.where ?? ''}: output cut to 4095 bytes\n`);
    });
    let report;
    try {
      report = await sendPrepared(prepared, {
        host: args.host,
        port: args.port,
        encryption: config.encryptionMethod,
        password: config.password,
        timeoutMs: args.timeoutSeconds * 1000,
        lingerMs: REJECTION_WATCH_CAP_MS,
      });
    } catch (error) {
      if (!(error instanceof NscaDeliveryError)) throw error;
      return fail(`${error.message} ${error.written} of ${error.total} result(s) written, 0 confirmed.`);
    }
    if (!args.quiet) io.stdout.write(`${report.sent} data packet(s) sent to host successfully.\n`);
    return input.problems.length > 0 ? EXIT_FAILURE : 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

export async function main(argv: string[]): Promise<number> {
  return runSend(argv, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    defaultConfigFile: DEFAULT_SEND_NSCA_CONFIG,
  });
}

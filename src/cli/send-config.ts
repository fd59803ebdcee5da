import { readFile } from 'node:fs/promises';
import { ENCRYPTION_METHODS } from '../sink/nsca/methods.js';
import { assertEncryptionMethod, describeEncryptionMethod } from '../sink/nsca/ciphers.js';

/**
 * send_nsca.cfg, read the way send_nsca 2.10 reads it, so a file that works with send_nsca
 * means the same here: `name=value` lines, `#` comments, the value taken raw up to the end of
 * the line (spaces and all: nsca reads its own `password=` the same way), the name matched by
 * substring ("password", "encryption_method", "legacy_2_7_mode"). Garbage send_nsca would
 * quietly turn into method 0 is an error here.
 */

/** Debian's send_nsca reads this when no -c is given. */
export const DEFAULT_SEND_NSCA_CONFIG = '/etc/send_nsca.cfg';

export interface SendNscaConfig {
  /** Raw bytes: a password need not be UTF-8. */
  readonly password: Buffer;
  readonly encryptionMethod: number;
  /** Where it came from, for messages. */
  readonly source: string;
}

/** send_nsca's compiled-in values: XOR, no password. */
export const SEND_NSCA_DEFAULTS: SendNscaConfig = {
  password: Buffer.alloc(0),
  encryptionMethod: 1,
  source: "send_nsca's defaults",
};

export class SendConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendConfigError';
  }
}

function supportedList(): string {
  return ENCRYPTION_METHODS.map(describeEncryptionMethod).join(', ');
}

export function parseSendNscaConfig(bytes: Buffer, file: string): SendNscaConfig {
  // latin1 maps each byte to one character and back: the password keeps its exact bytes.
  const lines = bytes.toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let password = SEND_NSCA_DEFAULTS.password;
  let encryptionMethod = SEND_NSCA_DEFAULTS.encryptionMethod;
  lines.forEach((line, index) => {
    const where = `${file}, line ${index + 1}`;
    if (line.startsWith('#') || line.trim() === '') return;
    const body = line.replace(/^=+/, '');
    const equals = body.indexOf('=');
    const value = equals < 0 ? '' : body.slice(equals + 1);
    if (equals < 0 || value === '') throw new SendConfigError(`${where}: no value: expected name=value`);
    const name = body.slice(0, equals);
    if (name.includes('password')) {
      password = Buffer.from(value, 'latin1');
    } else if (name.includes('encryption_method')) {
      const method = /^\s*[+-]?\d+/.exec(value);
      if (!method)
        throw new SendConfigError(
          `${where}: encryption_method "${value}" is not a number; supported: ${supportedList()}`,
        );
      encryptionMethod = Number(method[0]);
      if (!(ENCRYPTION_METHODS as readonly number[]).includes(encryptionMethod)) {
        throw new SendConfigError(
          `${where}: encryption_method ${describeEncryptionMethod(encryptionMethod)} is not supported; supported: ${supportedList()}`,
        );
      }
    } else if (name.includes('legacy_2_7_mode')) {
      if (/true|yes/.test(value)) {
        throw new SendConfigError(
          `${where}: legacy_2_7_mode (512-byte packets for nsca 2.7) is not supported: nsca 2.9 and later take the 4304-byte packets sent here`,
        );
      }
    } else {
      throw new SendConfigError(
        `${where}: unknown option "${name}" (send_nsca.cfg knows password, encryption_method, legacy_2_7_mode)`,
      );
    }
  });
  return { password, encryptionMethod, source: file };
}

/**
 * The -c file; without -c, Debian's default file if it exists (as send_nsca reads it), else
 * send_nsca's defaults. The method must also work in this process (CAST-128 needs OpenSSL's
 * legacy provider): that is checked here, before any input is read or connection made.
 */
export async function loadSendNscaConfig(
  file: string | null,
  defaultFile: string = DEFAULT_SEND_NSCA_CONFIG,
): Promise<SendNscaConfig> {
  let bytes: Buffer;
  const path = file ?? defaultFile;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    if (file === null && code === 'ENOENT') return SEND_NSCA_DEFAULTS;
    throw new SendConfigError(`cannot read the config file ${path}: ${code}`);
  }
  const config = parseSendNscaConfig(bytes, path);
  try {
    assertEncryptionMethod(config.encryptionMethod);
  } catch (error) {
    throw new SendConfigError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return config;
}

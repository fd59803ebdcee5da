import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, SINK_SETTINGS_DEFAULTS, type ParsedConfig } from './schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { fieldLimitsOf } from '../sink/field-limits.js';
import { throttleConfigProblems } from '../throttle/settings.js';
import { redactedPassword } from './secrets.js';
import { resolveTransportTables, type Icinga2Config, type NscaNgConfig } from './transport-settings.js';

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The one validated, frozen configuration object every stage receives. */
export type Config = DeepReadonly<
  Omit<ParsedConfig, 'source' | 'output' | 'nsca' | 'report' | 'nsca_ng' | 'icinga2'> & {
    source: Omit<ParsedConfig['source'], 'path'> & { paths: string[] };
    /** The transport, and the sink's settings resolved from [output] or (older configs) [nsca]. */
    output: { type: ParsedConfig['output']['type'] } & SinkSettingsConfig;
    nsca: Omit<ParsedConfig['nsca'], SinkSettingKey | 'password' | 'password_file' | 'password_credential'> & {
      password: string;
      /** Where the password came from, for the redacted print-out. */
      passwordSource: string;
    };
    report: Omit<ParsedConfig['report'], 'host_name'> & { host_name: string };
    /** Present when the file has the table (or, for [nsca_ng], its transport is selected). */
    nsca_ng?: NscaNgConfig;
    icinga2?: Icinga2Config;
  }
>;

type SinkSettingKey = keyof typeof SINK_SETTINGS_DEFAULTS;
type SinkSettingsConfig = { [K in SinkSettingKey]: number };
const SINK_SETTING_KEYS = Object.keys(SINK_SETTINGS_DEFAULTS) as SinkSettingKey[];

/**
 * The sink's settings from [output], or from [nsca] where configs written before [output] keep
 * them (those behave as before); one key in both tables is an error naming both.
 */
function sinkSettingsFrom(data: ParsedConfig, problems: ConfigProblem[]): SinkSettingsConfig {
  const settings: SinkSettingsConfig = { ...SINK_SETTINGS_DEFAULTS };
  const origin: Partial<Record<SinkSettingKey, string>> = {};
  for (const key of SINK_SETTING_KEYS) {
    const fromOutput = data.output[key];
    const fromNsca = data.nsca[key];
    if (fromOutput !== undefined && fromNsca !== undefined) {
      const message = `set in both output.${key} and nsca.${key}: keep only output.${key}`;
      problems.push({ path: `output.${key}`, message }, { path: `nsca.${key}`, message });
    }
    const value = fromOutput ?? fromNsca;
    if (value !== undefined) {
      settings[key] = value;
      origin[key] = fromOutput !== undefined ? 'output' : 'nsca';
    }
  }
  if (settings.reconnect_max_seconds < settings.reconnect_min_seconds) {
    problems.push({ path: `${origin.reconnect_max_seconds ?? origin.reconnect_min_seconds ?? 'output'}.reconnect_max_seconds`, message: 'must be at least reconnect_min_seconds' });
  }
  return settings;
}

export interface LoadOptions {
  /** For tests: the environment to read $CREDENTIALS_DIRECTORY from. */
  readonly env?: NodeJS.ProcessEnv;
  /** For tests: the default Nagios host name. */
  readonly hostname?: string;
  /**
   * `check-config` outside systemd: a `password_credential` cannot be read there (no
   * $CREDENTIALS_DIRECTORY), so it is reported as read at service start instead of failing.
   */
  readonly credentialsLater?: boolean;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(top level)';
}

function problemsFrom(error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ path: formatPath([...issue.path, key]), message: 'unknown key (a typo?); see config/wrapwatch.toml for the valid keys' });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

async function readSecret(file: string, field: string, problems: ConfigProblem[]): Promise<string | undefined> {
  try {
    // A password file written with `echo` ends in a newline that is not part of the password.
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    problems.push({ path: field, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Validates an already-parsed TOML document; `file` only names it in errors. */
export async function configFromObject(doc: unknown, file: string, options: LoadOptions = {}): Promise<Config> {
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(file, problemsFrom(parsed.error));
  const { password, password_file, password_credential, max_pending_results: _m, reconnect_min_seconds: _n, reconnect_max_seconds: _x, ...nsca } = parsed.data.nsca;
  // What the schema cannot see: hosts_access patterns, and names the transport could not carry.
  const problems: ConfigProblem[] = throttleConfigProblems(parsed.data, fieldLimitsOf(parsed.data.output.type));
  const sinkSettings = sinkSettingsFrom(parsed.data, problems);

  let secret = password ?? '';
  let passwordSource = password !== undefined ? 'nsca.password' : 'none';
  if (password_file !== undefined) {
    secret = (await readSecret(password_file, 'nsca.password_file', problems)) ?? '';
    passwordSource = password_file;
  } else if (password_credential !== undefined) {
    const dir = (options.env ?? process.env).CREDENTIALS_DIRECTORY;
    if (!dir && options.credentialsLater) {
      passwordSource = `systemd credential ${password_credential}, read when the service starts`;
    } else if (!dir) {
      problems.push({ path: 'nsca.password_credential', message: 'CREDENTIALS_DIRECTORY is not set: use LoadCredential= in the systemd unit, or password_file' });
    } else {
      secret = (await readSecret(join(dir, password_credential), 'nsca.password_credential', problems)) ?? '';
      passwordSource = `credential ${password_credential}`;
    }
  }
  const transportTables = await resolveTransportTables(
    parsed.data,
    parsed.data.output.type,
    { ...(options.env ? { env: options.env } : {}), ...(options.credentialsLater ? { credentialsLater: true } : {}), ...(options.hostname ? { hostname: options.hostname } : {}) },
    problems,
  );
  if (problems.length > 0) throw new ConfigError(file, problems);

  const { path, ...source } = parsed.data.source;
  const { nsca_ng: _nscaNgTable, icinga2: _icinga2Table, ...data } = parsed.data;
  const config = {
    ...data,
    source: { ...source, paths: typeof path === 'string' ? [path] : path },
    output: { type: parsed.data.output.type, ...sinkSettings },
    nsca: { ...nsca, password: secret, passwordSource },
    report: { ...parsed.data.report, host_name: parsed.data.report.host_name ?? options.hostname ?? hostname() },
    ...transportTables,
  };
  return deepFreeze(config);
}

/** Reads, parses and validates a TOML config file. Throws ConfigError listing every bad field. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot read the config file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? `line ${err.line}, column ${err.column}` : 'syntax';
    const message = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    throw new ConfigError(file, [{ path: `(TOML ${where})`, message }]);
  }
  return configFromObject(doc, file, options);
}

/** The effective configuration as TOML-ish text for `check-config`, the password redacted. */
export function redactedConfig(config: Config): Record<string, unknown> {
  const { password, passwordSource, ...nsca } = config.nsca;
  const shown = password !== '' ? `(redacted, from ${passwordSource})` : passwordSource.startsWith('systemd credential') ? `(${passwordSource})` : '(none)';
  const redacted: Record<string, unknown> = { ...config, nsca: { ...nsca, password: shown } };
  for (const table of ['nsca_ng', 'icinga2'] as const) {
    const settings = config[table];
    if (settings) {
      const { password: _password, passwordSource: _source, ...rest } = settings;
      redacted[table] = { ...rest, password: redactedPassword(settings) };
    }
  }
  return redacted;
}

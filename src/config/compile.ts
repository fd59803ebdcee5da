import { hostname } from 'node:os';
import type { z } from 'zod';
import { assertEncryptionMethod } from '../sink/nsca/ciphers.js';
import { UnsupportedEncryptionError } from '../sink/nsca/errors.js';
import { tryCompileThrottleSettings, type ThrottleSettings } from '../throttle/settings.js';
import { deepFreeze } from './deep-freeze.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { resolvePassword, type PasswordSource } from './password.js';
import { configSchema, SINK_SETTINGS_DEFAULTS, type ParsedConfig } from './schema.js';
import { fieldLimitsOf } from '../sink/field-limits.js';
import { resolveTransportTables, type Icinga2Config, type NscaNgConfig } from './transport-settings.js';

/**
 * THE compile step: schema-checked document -> the runtime configuration. `run`, `check-config`
 * and a SIGHUP reload all go through `compileConfig`, so a config one of them accepts the
 * others accept too (issue 13: check-config used to pass what `run` then refused).
 *
 *   1. shape: the zod schema (types, ranges, unknown keys, defaults);
 *   2. secrets: the NSCA password from its file or systemd credential (warnings for open modes);
 *   3. assembly of the `Config` (machine defaults such as the host name filled in);
 *   4. per-table compilers for what the schema cannot express, building the runtime parts
 *      (TABLE_COMPILERS: one entry per table): the throttle's settings, the cipher check.
 */

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type SinkSettingKey = keyof typeof SINK_SETTINGS_DEFAULTS;
type SinkSettingsConfig = { [K in SinkSettingKey]: number };
const SINK_SETTING_KEYS = Object.keys(SINK_SETTINGS_DEFAULTS) as SinkSettingKey[];

/** The one validated, frozen configuration object every stage receives. */
export type Config = DeepReadonly<
  Omit<ParsedConfig, 'source' | 'output' | 'nsca' | 'report' | 'nsca_ng' | 'icinga2'> & {
    source: Omit<ParsedConfig['source'], 'path'> & { paths: string[] };
    /** The transport, and the sink's settings resolved from [output] or (older configs) [nsca]. */
    output: { type: ParsedConfig['output']['type'] } & SinkSettingsConfig;
    nsca: Omit<ParsedConfig['nsca'], SinkSettingKey | 'password' | 'password_file' | 'password_credential'> & {
      password: string;
      /** Where the password came from: printed back by check-config (never the password itself). */
      passwordFrom: PasswordSource;
    };
    report: Omit<ParsedConfig['report'], 'host_name'> & { host_name: string };
    /** Present when the file has the table (or, for [nsca_ng], its transport is selected). */
    nsca_ng?: NscaNgConfig;
    icinga2?: Icinga2Config;
  }
>;

export interface CompiledConfig {
  readonly config: Config;
  /** [report], [throttle] and [[rule]] compiled: what the throttle runs on (not part of the printed config). */
  readonly throttle: ThrottleSettings;
  /** Accepted, but worth telling the operator (e.g. a world-readable password file). */
  readonly warnings: readonly string[];
}

export interface CompileOptions {
  /** For tests: the environment to read $CREDENTIALS_DIRECTORY from. */
  readonly env?: NodeJS.ProcessEnv;
  /** For tests: the default Nagios host name. */
  readonly hostname?: string;
}

/** The runtime parts the table compilers build, filled in as they run. */
interface RuntimeParts {
  throttle?: ThrottleSettings;
}

interface TableCompileContext {
  readonly config: Config;
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
  readonly runtime: RuntimeParts;
}

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
    problems.push({
      path: `${origin.reconnect_max_seconds ?? origin.reconnect_min_seconds ?? 'output'}.reconnect_max_seconds`,
      message: 'must be at least reconnect_min_seconds',
    });
  }
  return settings;
}

/** An NSCA method this Node.js process cannot run (CAST-128 without the legacy provider) is a config error. */
function compileReceiver({ config, problems }: TableCompileContext): void {
  try {
    assertEncryptionMethod(config.nsca.encryption);
  } catch (err) {
    if (!(err instanceof UnsupportedEncryptionError)) throw err;
    problems.push({ path: 'nsca.encryption', message: err.message });
  }
}

/** hosts_access patterns, templates, names NSCA could not carry: [report], [throttle], [[rule]]. */
function compileThrottle({ config, problems, runtime }: TableCompileContext): void {
  // Host and service names are checked against what the configured transport can carry.
  const result = tryCompileThrottleSettings(config, fieldLimitsOf(config.output.type));
  if ('problems' in result) problems.push(...result.problems);
  else runtime.throttle = result.settings;
}

/** What the schema cannot see, one function per table: adding a table adds one line here. */
const TABLE_COMPILERS: readonly ((ctx: TableCompileContext) => void)[] = [compileReceiver, compileThrottle];

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
        problems.push({
          path: formatPath([...issue.path, key]),
          message: 'unknown key (a typo?); see config/wrapwatch.toml for the valid keys',
        });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return problems;
}

/** Compiles an already-parsed TOML document; `file` only names it in errors. Throws ConfigError listing every problem. */
export async function compileConfig(doc: unknown, file: string, options: CompileOptions = {}): Promise<CompiledConfig> {
  const parsed = configSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(file, problemsFrom(parsed.error));
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const {
    password,
    password_file,
    password_credential,
    max_pending_results: _m,
    reconnect_min_seconds: _n,
    reconnect_max_seconds: _x,
    ...nsca
  } = parsed.data.nsca;
  const secret = await resolvePassword(
    { password, password_file, password_credential },
    options.env ?? process.env,
    problems,
    warnings,
  );
  const sinkSettings = sinkSettingsFrom(parsed.data, problems);
  const transportTables = await resolveTransportTables(
    parsed.data,
    parsed.data.output.type,
    { env: options.env ?? process.env, hostname: options.hostname },
    problems,
    warnings,
  );

  const { path, ...source } = parsed.data.source;
  const { nsca_ng: _nscaNgTable, icinga2: _icinga2Table, ...data } = parsed.data;
  const config: Config = deepFreeze({
    ...data,
    ...transportTables,
    source: { ...source, paths: typeof path === 'string' ? [path] : path },
    output: { type: parsed.data.output.type, ...sinkSettings },
    nsca: { ...nsca, password: secret.password, passwordFrom: secret.source },
    report: { ...parsed.data.report, host_name: parsed.data.report.host_name ?? options.hostname ?? hostname() },
  });
  const runtime: RuntimeParts = {};
  for (const compileTable of TABLE_COMPILERS) compileTable({ config, problems, warnings, runtime });
  if (problems.length > 0 || runtime.throttle === undefined) throw new ConfigError(file, problems);
  return { config, throttle: runtime.throttle, warnings };
}

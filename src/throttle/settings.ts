import { ThrottleSettingsError, type SettingProblem } from './settings-error.js';
import { systemTimeZone } from '../parse/system-time-zone.js';
import { TimeZoneResolver } from '../parse/time.js';
import type { FieldLimits } from '../sink/transport.js';
import {
  checkService,
  compileHostNameTemplate,
  compileRules,
  type CompiledRule,
  type Route,
  type RuleView,
} from './rules.js';
import {
  compileTemplate,
  isTemplateProblems,
  OUTPUT_FIELDS,
  type CompiledTemplate,
  type HostNameField,
  type OutputField,
} from './template.js';

/**
 * The throttle's part of the configuration, compiled once: patterns into matchers, templates
 * into parts, seconds into milliseconds. A SIGHUP compiles a new one and swaps it in whole, so
 * a broken reload leaves the running settings untouched.
 */
export interface ThrottleSettings {
  readonly output: CompiledTemplate<OutputField>;
  /** `[report]` as a route: used when no rule matches. */
  readonly defaultRoute: Route;
  readonly rules: readonly CompiledRule[];
  readonly windowMs: number;
  readonly maxResultsPerMinute: number;
  readonly maxTrackedSources: number;
  readonly ipv6Prefix: number;
  readonly stormTop: number;
  readonly heartbeatMs: number;
  /** Prints event times in the log's zone when the event does not carry its own offset. */
  readonly zone: TimeZoneResolver;
  /** What the transport's results may carry: names are checked and output cut to these. */
  readonly limits: FieldLimits;
}

/** The configuration the throttle reads; both the schema's output and the loaded `Config` fit. */
export interface ThrottleConfigView {
  readonly source?: { readonly timezone?: string | undefined };
  readonly report: {
    /** Absent only before the loader fills in the machine's host name. */
    readonly host_name?: string | undefined;
    readonly service: string;
    readonly status: number;
    readonly output: string;
    readonly heartbeat_seconds: number;
  };
  readonly throttle: {
    readonly window_seconds: number;
    readonly max_results_per_minute: number;
    readonly max_tracked_sources: number;
    readonly ipv6_prefix: number;
    readonly storm_top: number;
  };
  readonly rule: readonly RuleView[];
}

/** Stands in while a broken `report.host_name` is reported, so rules are still checked. */
const placeholderHost: CompiledTemplate<HostNameField> = {
  source: 'localhost',
  fields: new Set(),
  literal: 'localhost',
  render: () => 'localhost',
  renderRaw: () => 'localhost',
};

function compile(config: ThrottleConfigView, limits: FieldLimits, problems: SettingProblem[]): ThrottleSettings | null {
  const output = compileTemplate(config.report.output, OUTPUT_FIELDS);
  if (isTemplateProblems(output)) for (const p of output) problems.push({ path: 'report.output', message: p.message });
  // Before the loader has filled in the machine's name, any valid name stands in for it.
  const hostName = compileHostNameTemplate(
    config.report.host_name ?? 'localhost',
    'report.host_name',
    problems,
    limits,
  );
  checkService(config.report.service, 'report.service', problems, limits);
  const windowMs = Math.round(config.throttle.window_seconds * 1000);
  const defaults = {
    hostName: hostName ?? placeholderHost,
    service: config.report.service,
    status: config.report.status,
    windowMs,
  };
  const rules = compileRules(config.rule, defaults, problems, limits);
  if (problems.length > 0 || isTemplateProblems(output) || hostName === null) return null;
  return {
    output,
    defaultRoute: { ruleIndex: -1, ignore: false, ...defaults, hostName },
    rules,
    windowMs,
    maxResultsPerMinute: config.throttle.max_results_per_minute,
    maxTrackedSources: config.throttle.max_tracked_sources,
    ipv6Prefix: config.throttle.ipv6_prefix,
    stormTop: config.throttle.storm_top,
    heartbeatMs: Math.round(config.report.heartbeat_seconds * 1000),
    zone: new TimeZoneResolver(config.source?.timezone ?? systemTimeZone()),
    limits,
  };
}

/**
 * What the throttle cannot use in an otherwise schema-valid configuration: hosts_access patterns
 * (`rule[0].clients: "10.0.0.0/33" is not a valid pattern: ...`), templates that would corrupt
 * a result, host and service names the transport (`limits`) cannot carry. The config loader adds
 * these to its list.
 */
export function throttleConfigProblems(config: ThrottleConfigView, limits: FieldLimits): SettingProblem[] {
  const problems: SettingProblem[] = [];
  compile(config, limits, problems);
  return problems;
}

/** The settings, or every problem that keeps them from being built (the config compile step's view). */
export function tryCompileThrottleSettings(
  config: ThrottleConfigView,
  limits: FieldLimits,
): { readonly settings: ThrottleSettings } | { readonly problems: readonly SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const settings = compile(config, limits, problems);
  return settings === null ? { problems } : { settings };
}

/** Settings the config compile step already built, handed to the throttle as they are. */
export interface PrecompiledThrottle {
  readonly compiled: ThrottleSettings;
}

/** What the throttle is built from: compiled settings, or a configuration it compiles itself (tests). */
export type ThrottleInput = ThrottleConfigView | PrecompiledThrottle;

export function settingsOf(input: ThrottleInput, limits: FieldLimits): ThrottleSettings {
  return 'compiled' in input ? input.compiled : compileThrottleSettings(input, limits);
}

/** Compiles the settings; throws ThrottleSettingsError listing every problem. */
export function compileThrottleSettings(config: ThrottleConfigView, limits: FieldLimits): ThrottleSettings {
  const problems: SettingProblem[] = [];
  const settings = compile(config, limits, problems);
  if (settings === null) throw new ThrottleSettingsError(problems);
  return settings;
}

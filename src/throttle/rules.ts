import type { SettingProblem } from './settings-error.js';
import { parseAddress, type ParsedAddress } from '../parse/address.js';
import type { RefusalEvent } from '../types.js';
import { clientHostName } from './client-name.js';
import {
  compileClientList,
  compileDaemonList,
  PatternError,
  type DaemonSubject,
  type HostSubject,
  type Matcher,
} from './patterns.js';
import type { FieldLimits } from '../sink/transport.js';
import { nagiosHostName, serviceProblem } from './sanitize.js';
import {
  compileTemplate,
  HOST_NAME_FIELDS,
  isTemplateProblems,
  type CompiledTemplate,
  type HostNameField,
} from './template.js';

/** Where and how refusals of one kind are reported: a `[[rule]]`, or the `[report]` defaults. */
export interface Route {
  /** Index in `[[rule]]`, -1 for the defaults. */
  readonly ruleIndex: number;
  readonly ignore: boolean;
  /** Nagios host name template (`{host}` = the syslog host field). */
  readonly hostName: CompiledTemplate<HostNameField>;
  readonly service: string;
  readonly status: number;
  readonly windowMs: number;
}

export interface CompiledRule {
  readonly route: Route;
  readonly daemons: Matcher<DaemonSubject>;
  readonly clients: Matcher<HostSubject>;
}

/** The part of a `[[rule]]` table the rules use (the schema's output and `Config` both fit). */
export interface RuleView {
  readonly daemons: string;
  readonly clients: string;
  readonly ignore: boolean;
  readonly status?: number | undefined;
  readonly service?: string | undefined;
  readonly host_name?: string | undefined;
  readonly window_seconds?: number | undefined;
}

export interface RouteDefaults {
  readonly hostName: CompiledTemplate<HostNameField>;
  readonly service: string;
  readonly status: number;
  readonly windowMs: number;
}

/** Compiles a `host_name` template, adding problems under `path`. */
export function compileHostNameTemplate(
  text: string,
  path: string,
  problems: SettingProblem[],
  limits: FieldLimits,
): CompiledTemplate<HostNameField> | null {
  const compiled = compileTemplate(text, HOST_NAME_FIELDS);
  if (isTemplateProblems(compiled)) {
    for (const p of compiled) problems.push({ path, message: p.message });
    return null;
  }
  // Render with a one-letter host: what is left is the operator's literal text, checked once here.
  if (
    nagiosHostName(
      compiled.render(() => 'h'),
      limits,
    ) === null
  ) {
    problems.push({
      path,
      message: `is not a usable Nagios host name: at most ${limits.maxHostBytes} bytes, no blanks, no ";" and none of \`~!$%^&*|'"<>?,()=\\`,
    });
    return null;
  }
  return compiled;
}

export function checkService(text: string, path: string, problems: SettingProblem[], limits: FieldLimits): void {
  const problem = serviceProblem(text, limits);
  if (problem !== null) problems.push({ path, message: problem });
}

/** Compiles `[[rule]]` in order, adding every problem (by field path) instead of stopping at the first. */
export function compileRules(
  rules: readonly RuleView[],
  defaults: RouteDefaults,
  problems: SettingProblem[],
  limits: FieldLimits,
): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  rules.forEach((rule, index) => {
    const path = `rule[${index}]`;
    const daemons = compilePatterns(() => compileDaemonList(rule.daemons), `${path}.daemons`, problems);
    const clients = compilePatterns(() => compileClientList(rule.clients), `${path}.clients`, problems);
    const hostName =
      rule.host_name === undefined
        ? defaults.hostName
        : compileHostNameTemplate(rule.host_name, `${path}.host_name`, problems, limits);
    if (rule.service !== undefined) checkService(rule.service, `${path}.service`, problems, limits);
    if (daemons === null || clients === null || hostName === null) return;
    compiled.push({
      daemons,
      clients,
      route: {
        ruleIndex: index,
        ignore: rule.ignore,
        hostName,
        service: rule.service ?? defaults.service,
        status: rule.status ?? defaults.status,
        windowMs: rule.window_seconds === undefined ? defaults.windowMs : Math.round(rule.window_seconds * 1000),
      },
    });
  });
  return compiled;
}

function compilePatterns<S>(compile: () => Matcher<S>, path: string, problems: SettingProblem[]): Matcher<S> | null {
  try {
    return compile();
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    problems.push({ path, message: err.message });
    return null;
  }
}

/** The subjects one event offers to patterns, each worked out only if a pattern asks. */
class EventSubjects implements DaemonSubject {
  readonly daemon: string;
  readonly service: string | null;
  private serverHost: HostSubject | undefined;
  private clientHost: HostSubject | undefined;

  constructor(
    private readonly event: RefusalEvent,
    private readonly address: ParsedAddress | null,
  ) {
    this.daemon = event.daemon.toLowerCase();
    this.service = event.service === null ? null : event.service.toLowerCase();
  }

  get server(): HostSubject {
    if (this.serverHost === undefined) {
      const address = parseAddress(this.event.host);
      this.serverHost = { name: address === null ? this.event.host.toLowerCase() : null, address };
    }
    return this.serverHost;
  }

  get client(): HostSubject {
    if (this.clientHost === undefined) {
      const name = clientHostName(this.event.client);
      this.clientHost = { name: name === null ? null : name.toLowerCase(), address: this.address };
    }
    return this.clientHost;
  }
}

/** hosts_access order: the first rule whose daemons and clients both match decides. */
export function findRoute(
  rules: readonly CompiledRule[],
  fallback: Route,
  event: RefusalEvent,
  address: ParsedAddress | null,
): Route {
  if (rules.length === 0) return fallback;
  const subjects = new EventSubjects(event, address);
  for (const rule of rules) {
    if (rule.daemons(subjects) && rule.clients(subjects.client)) return rule.route;
  }
  return fallback;
}

import { sanitizeField } from './sanitize.js';

/**
 * `report.output` and `host_name` templates: literal text with `{field}` placeholders. This
 * module is the one owner of the template rules: which fields each template may use and what
 * its literal text must not contain. The config schema calls `unknownTemplateFields` so a
 * misspelt field is listed with the other shape errors; `compileTemplate` applies every rule.
 * The literal text is the operator's and is checked once at load; every substituted value
 * comes from a log line and is sanitised each time it is rendered.
 */

/** Fields `report.output` may use. */
export const OUTPUT_FIELDS = [
  'daemon',
  'daemon_service',
  'service',
  'address',
  'client',
  'host',
  'count',
  'first',
  'last',
] as const;
export type OutputField = (typeof OUTPUT_FIELDS)[number];

/** Fields a `host_name` template may use: the syslog host field of each line. */
export const HOST_NAME_FIELDS = ['host'] as const;
export type HostNameField = (typeof HOST_NAME_FIELDS)[number];

export interface CompiledTemplate<F extends string = string> {
  /** The template as configured. */
  readonly source: string;
  /** Fields it uses, so callers can skip adding what the template already says. */
  readonly fields: ReadonlySet<F>;
  /** The text itself when the template has no field (e.g. a fixed host name). */
  readonly literal: string | null;
  /** Substitutes sanitised values (plugin output). */
  render(value: (field: F) => string): string;
  /** Substitutes values as they are, for a host name that is then checked whole, never repaired. */
  renderRaw(value: (field: F) => string): string;
}

/** A template problem, phrased for `path: message` in a setting or config problem. */
export interface TemplateProblem {
  readonly message: string;
}

const FIELD = /\{([^{}]*)\}/g;

/** A template cut at its `{field}` placeholders: `literals` has one more entry than `fields`. */
interface TemplateParts {
  readonly literals: readonly string[];
  readonly fields: readonly string[];
}

function split(source: string): TemplateParts {
  const literals: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const match of source.matchAll(FIELD)) {
    literals.push(source.slice(last, match.index));
    fields.push(match[1] ?? '');
    last = match.index + match[0].length;
  }
  literals.push(source.slice(last));
  return { literals, fields };
}

function fieldProblems(fields: readonly string[], allowed: readonly string[]): TemplateProblem[] {
  const expected = allowed.map((f) => `{${f}}`).join(' ');
  return fields
    .filter((name) => !allowed.includes(name))
    .map((name) => ({ message: `unknown field {${name}}; expected one of ${expected}` }));
}

/** Literal text that would corrupt the result whatever the fields hold. */
function literalProblems(text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  if (/[\x00-\x1f\x7f]/.test(text)) problems.push({ message: 'must not contain control characters or line breaks' });
  if (text.includes('|'))
    problems.push({ message: 'must not contain "|": wrapwatch appends the perfdata after it itself' });
  if (text.includes('\\'))
    problems.push({
      message: 'must not contain "\\": the NSCA server doubles it and Nagios may read "\\n" as a line break',
    });
  return problems;
}

/**
 * The fields `source` uses that are not in `allowed`, one problem each: what the config schema
 * reports beside type and range errors (the literal-text rules come with `compileTemplate`).
 */
export function unknownTemplateFields(source: string, allowed: readonly string[]): TemplateProblem[] {
  return fieldProblems(split(source).fields, allowed);
}

function isAllowed<F extends string>(fields: readonly string[], allowed: readonly F[]): fields is readonly F[] {
  return fields.every((name) => (allowed as readonly string[]).includes(name));
}

/**
 * Splits a template into literal and field parts. Returns the problems instead when it uses a
 * field outside `allowed` or literal text that would corrupt the result (configs built without
 * the schema, e.g. in tests, get the field check here too).
 */
export function compileTemplate<F extends string>(
  source: string,
  allowed: readonly F[],
): CompiledTemplate<F> | TemplateProblem[] {
  const { literals, fields } = split(source);
  const text = literals.join('');
  const problems = [...fieldProblems(fields, allowed), ...literalProblems(text)];
  if (problems.length > 0 || !isAllowed(fields, allowed)) return problems;

  const fill = (value: (field: F) => string, clean: (text: string) => string): string => {
    let out = literals[0] ?? '';
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      if (field !== undefined) out += clean(value(field)) + (literals[i + 1] ?? '');
    }
    return out;
  };
  return {
    source,
    fields: new Set(fields),
    literal: fields.length === 0 ? text : null,
    render: (value) => fill(value, sanitizeField),
    renderRaw: (value) => fill(value, (raw) => raw),
  };
}

export function isTemplateProblems<F extends string>(
  result: CompiledTemplate<F> | TemplateProblem[],
): result is TemplateProblem[] {
  return Array.isArray(result);
}

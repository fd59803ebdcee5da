import { sanitizeField } from './sanitize.js';

/**
 * `report.output` and `host_name` templates: literal text with `{field}` placeholders. The
 * literal text is the operator's and is checked once at load; every substituted value comes
 * from a log line and is sanitised each time it is rendered.
 */
export interface CompiledTemplate {
  /** The template as configured. */
  readonly source: string;
  /** Fields it uses, so callers can skip adding what the template already says. */
  readonly fields: ReadonlySet<string>;
  /** The text itself when the template has no field (e.g. a fixed host name). */
  readonly literal: string | null;
  /** Substitutes sanitised values (plugin output). */
  render(value: (field: string) => string): string;
  /** Substitutes values as they are, for a host name that is then checked whole, never repaired. */
  renderRaw(value: (field: string) => string): string;
}

/** A template problem, phrased for `path: message` in a setting problem. */
export interface TemplateProblem {
  readonly message: string;
}

const FIELD = /\{([^{}]*)\}/g;

/**
 * Splits a template into literal and field parts. Returns the problems instead when it uses a
 * field outside `allowed` or literal text that would corrupt the result (the schema already
 * rejects unknown fields; this also guards configs built without it, e.g. in tests).
 */
export function compileTemplate(source: string, allowed: readonly string[]): CompiledTemplate | TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const literals: string[] = [];
  const fields: string[] = [];
  let last = 0;
  for (const match of source.matchAll(FIELD)) {
    const name = match[1] ?? '';
    if (!allowed.includes(name)) {
      problems.push({ message: `unknown field {${name}}; expected one of ${allowed.map((f) => `{${f}}`).join(' ')}` });
    }
    literals.push(source.slice(last, match.index));
    fields.push(name);
    last = match.index + match[0].length;
  }
  literals.push(source.slice(last));
  const text = literals.join('');
  if (/[\x00-\x1f\x7f]/.test(text)) problems.push({ message: 'must not contain control characters or line breaks' });
  if (text.includes('|'))
    problems.push({ message: 'must not contain "|": wrapwatch appends the perfdata after it itself' });
  if (text.includes('\\'))
    problems.push({
      message: 'must not contain "\\": the NSCA server doubles it and Nagios may read "\\n" as a line break',
    });
  if (problems.length > 0) return problems;

  return {
    source,
    fields: new Set(fields),
    literal: fields.length === 0 ? text : null,
    render(value) {
      let out = literals[0] ?? '';
      for (let i = 0; i < fields.length; i++) out += sanitizeField(value(fields[i] ?? '')) + (literals[i + 1] ?? '');
      return out;
    },
    renderRaw(value) {
      let out = literals[0] ?? '';
      for (let i = 0; i < fields.length; i++) out += value(fields[i] ?? '') + (literals[i + 1] ?? '');
      return out;
    },
  };
}

export function isTemplateProblems(result: CompiledTemplate | TemplateProblem[]): result is TemplateProblem[] {
  return Array.isArray(result);
}

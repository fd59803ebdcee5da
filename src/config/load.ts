import { readFile } from 'node:fs/promises';
import { parse as parseToml, TomlError } from 'smol-toml';
import { compileConfig, type CompiledConfig, type CompileOptions, type Config } from './compile.js';
import { ConfigError } from './errors.js';

export type { Config } from './compile.js';
export type LoadOptions = CompileOptions;

/** Validates an already-parsed TOML document; `file` only names it in errors. */
export async function configFromObject(doc: unknown, file: string, options: LoadOptions = {}): Promise<Config> {
  return (await compileConfig(doc, file, options)).config;
}

/** Reads and parses the TOML file; a missing or unreadable file is a ConfigError that says what to do. */
async function readDocument(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'no such file: copy config/wrapwatch.toml there, or name another file with --config FILE'
        : code === 'EACCES'
          ? 'permission denied: run as a user who can read it (root, or the service user)'
          : code === 'EISDIR'
            ? 'is a directory: --config takes the TOML file itself'
            : `cannot read the config file: ${code ?? String(err)}`;
    throw new ConfigError(file, [{ path: '(file)', message }]);
  }
  try {
    return parseToml(text);
  } catch (err) {
    const where = err instanceof TomlError ? `line ${err.line}, column ${err.column}` : 'syntax';
    const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new ConfigError(file, [{ path: `(TOML ${where})`, message }]);
  }
}

/**
 * Reads, parses and compiles a config file: what `run`, `check-config` and SIGHUP all call.
 * Throws ConfigError listing every bad field.
 */
export async function loadCompiledConfig(file: string, options: LoadOptions = {}): Promise<CompiledConfig> {
  return compileConfig(await readDocument(file), file, options);
}

/** `loadCompiledConfig` without the warnings (tests, callers that do not report them). */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<Config> {
  return (await loadCompiledConfig(file, options)).config;
}

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tryCompileThrottleSettings } from '../throttle/settings.js';
import { fieldLimitsOf } from '../sink/field-limits.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import type { CompiledConfig, CompileOptions } from './compile.js';
import { deepFreeze } from './deep-freeze.js';
import { ConfigError } from './errors.js';
import { isLoadReply, type LoadReply, type LoadRequest } from './load-protocol.js';

/**
 * `loadCompiledConfig` for the long-running daemon: the file is read, parsed and validated in a
 * short-lived child process (src/config/load-process.ts), so that the TOML parser and the
 * schema library never load into the daemon. Both are code and metadata that no garbage
 * collection gives back: kept for the process's life they were about 5 MiB of its idle
 * resident memory (BENCHMARKS.md, "Daemon idle memory"). A worker thread was measured and does
 * not help: the memory its isolate touched stays with the process after it exits.
 *
 * The child validates exactly as `check-config` and the in-process loader do (the same
 * loadCompiledConfig) and sends back the plain validated `Config`; the daemon then builds the
 * throttle's runtime settings from it (the same compile step, which the child has already
 * checked). A ConfigError arrives with every problem, as in-process. The child inherits the
 * environment (a password_credential's $CREDENTIALS_DIRECTORY) and prints nothing on stdout.
 */

/**
 * The build's CommonJS bundle of load-process (packaging/bundle.mjs), beside this module in
 * dist/: with smol-toml and zod in one file and no ES module loader, it answers about 45 ms
 * sooner than tsc's load-process.js, which is the same code.
 */
const LOADER = fileURLToPath(new URL('./load-process.cjs', import.meta.url));

/**
 * How long the loader may take before it is killed. It answers in 0.1-0.3 s; one that hangs
 * (a password file on a stale network mount, a FIFO) would otherwise hold the start, or the
 * reload and with it every later one, for ever.
 */
const LOADER_TIMEOUT_MS = 30_000;

export interface IsolatedLoadOptions extends CompileOptions {
  /** The loader's script (tests); default the bundled src/config/load-process.ts beside this file. */
  readonly loader?: string;
  /** Default LOADER_TIMEOUT_MS (tests shorten it). */
  readonly timeoutMs?: number;
  readonly scheduler?: Scheduler;
}

/**
 * The node flags the loader inherits: only those that change what the config check accepts.
 * `--openssl-legacy-provider` (and an OpenSSL config) decide whether encryption 4, CAST-128,
 * is available, as they do for check-config; profiling or heap flags (`--cpu-prof`, the
 * shebang's semi-space cap) are the daemon's own. NODE_OPTIONS reaches the child with its env.
 */
export function loaderNodeFlags(execArgv: readonly string[]): string[] {
  return execArgv.filter((flag) => flag.startsWith('--openssl-'));
}

function askLoader(request: LoadRequest, options: IsolatedLoadOptions): Promise<LoadReply> {
  const script = options.loader ?? LOADER;
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      execArgv: loaderNodeFlags(process.execArgv),
      env: options.env ?? process.env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let answered = false;
    const timeoutMs = options.timeoutMs ?? LOADER_TIMEOUT_MS;
    let timedOut = false;
    const deadline = (options.scheduler ?? realScheduler).timeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('message', (message: unknown) => {
      answered = true;
      deadline.cancel();
      resolve(
        isLoadReply(message)
          ? message
          : { kind: 'failed', message: 'the config loader process sent an answer this wrapwatch cannot read' },
      );
    });
    child.once('error', (err) => {
      deadline.cancel();
      reject(err);
    });
    // 'close': the process has ended and its IPC channel is drained, so no answer is still on its way.
    child.once('close', (code, signal) => {
      deadline.cancel();
      if (answered) return;
      reject(
        new Error(
          timedOut
            ? `the config loader process (${script}) did not answer within ${timeoutMs / 1000} s and was killed: something it reads hangs (the config file or a password file on a stale network mount, or a FIFO?)`
            : `the config loader process (${script}) ended without an answer (${signal ?? `exit code ${String(code)}`})`,
        ),
      );
    });
    child.send(request);
  });
}

/** Reads, parses and compiles the config file in a child process; throws ConfigError listing every bad field. */
export async function loadCompiledConfigIsolated(
  file: string,
  options: IsolatedLoadOptions = {},
): Promise<CompiledConfig> {
  const answer = await askLoader(
    options.hostname === undefined ? { file } : { file, hostname: options.hostname },
    options,
  );
  switch (answer.kind) {
    case 'ok': {
      const config = deepFreeze(answer.config);
      const throttle = tryCompileThrottleSettings(config, fieldLimitsOf(config.output.type));
      if ('problems' in throttle) throw new ConfigError(file, throttle.problems);
      return { config, throttle: throttle.settings, warnings: answer.warnings };
    }
    case 'config-error':
      throw new ConfigError(file, answer.problems);
    case 'failed':
      throw new Error(`the config loader process failed: ${answer.message}`);
    default: {
      const unknown: never = answer;
      throw new Error(`unknown config loader answer ${JSON.stringify(unknown)}`);
    }
  }
}

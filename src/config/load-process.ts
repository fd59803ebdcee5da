import { loadCompiledConfig } from './load.js';
import { ConfigError } from './errors.js';
import { isLoadRequest, type LoadReply } from './load-protocol.js';

/**
 * The config loader as a short-lived child process of the daemon (src/config/load-isolated.ts):
 * reads, parses and validates the file exactly as `check-config` does (loadCompiledConfig),
 * sends the result back over IPC and exits. The TOML parser and the schema library then live
 * and die with this process instead of staying in the daemon's memory for its whole life
 * (about 5 MiB of resident memory: BENCHMARKS.md, "Daemon idle memory"). Nothing is printed
 * on stdout, which carries the results in a dry run.
 */

function reply(message: LoadReply): void {
  process.send?.(message, undefined, undefined, () => {
    process.disconnect();
  });
}

process.once('message', (request: unknown) => {
  if (!isLoadRequest(request)) {
    reply({ kind: 'failed', message: 'the config loader got a request without a file' });
    return;
  }
  const options = request.hostname === undefined ? {} : { hostname: request.hostname };
  loadCompiledConfig(request.file, options).then(
    ({ config, warnings }) => {
      reply({ kind: 'ok', config, warnings });
    },
    (err: unknown) => {
      if (err instanceof ConfigError) reply({ kind: 'config-error', problems: err.problems });
      else reply({ kind: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    },
  );
});
// The daemon went away (killed during a reload): nothing is waiting for the answer.
process.once('disconnect', () => process.exit(0));

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/built-dist.js';
import { CLI } from '../helpers/cli.js';
import {
  appendLines,
  createWorkspace,
  refusalLine,
  startDaemon,
  startReceiver,
  testConfig,
  useE2eLifecycle,
  writeConfig,
} from '../helpers/daemon-process.js';

useE2eLifecycle();

/** Preloaded into the daemon (`node --require`): at its exit, what the process had loaded. */
const PROBE = `'use strict';
process.on('exit', () => {
  require('node:fs').writeFileSync(
    process.env.WRAPWATCH_TEST_LOADED,
    JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) }),
  );
});
`;

interface Loaded {
  readonly builtins: readonly string[];
  readonly files: readonly string[];
}

/**
 * The idle daemon's memory depends on what it loads (BENCHMARKS.md, "Fourth pass"): not Node's
 * ES module loader, not zod or smol-toml (the config is checked in a child), no module file of
 * its own but the two bundles. A module that pulls the schema into the run path, or a build
 * that stops bundling, fails here rather than only in the benchmark.
 */
describe('the bundled daemon (packaging/bundle.mjs)', () => {
  it('runs from dist/wrapwatch.cjs and dist/commands/run.cjs alone, without the ES module loader, zod or smol-toml', async () => {
    const server = await startReceiver({ decryptionMethod: 1, password: 'bundle secret' });
    const ws = await createWorkspace();
    await writeConfig(ws.configFile, testConfig(ws, server));
    const probe = join(ws.dir, 'probe.cjs');
    const loadedFile = join(ws.dir, 'loaded.json');
    await writeFile(probe, PROBE);

    const daemon = startDaemon({
      configFile: ws.configFile,
      command: [process.execPath, '--require', probe, CLI],
      env: { WRAPWATCH_TEST_LOADED: loadedFile },
    });
    await daemon.started();
    // The whole path a refusal takes is loaded by then: follow, parse, throttle, deliver.
    await appendLines(ws.logFile, [refusalLine('203.0.113.9', { pid: 4712 })]);
    expect(await server.waitForLines(1, 10_000)).toHaveLength(1);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });

    const loaded = JSON.parse(await readFile(loadedFile, 'utf8')) as Loaded;
    expect(loaded.files).toEqual([
      probe,
      join(REPO_ROOT, 'dist/wrapwatch.cjs'),
      join(REPO_ROOT, 'dist/commands/run.cjs'),
    ]);
    // Loaded by every Node at start: esm/loader, utils and the like; these only for an ES module.
    const esModuleLoading = loaded.builtins.filter((m) =>
      /internal\/modules\/esm\/(module_job|translators|resolve)$/.test(m),
    );
    expect(esModuleLoading).toEqual([]);
    // The other transports are in the bundle but never initialised: NSCA needs no TLS or HTTPS.
    expect(loaded.builtins.filter((m) => /^NativeModule (tls|https|_tls_wrap)$/.test(m))).toEqual([]);
  });
});

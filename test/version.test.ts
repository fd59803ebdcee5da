import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createWorkspace, startDaemon, testConfig, useE2eLifecycle, writeConfig } from './helpers/daemon-process.js';

useE2eLifecycle();

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('wrapwatch --version', () => {
  it.each(['--version', '-V'])('%s prints "wrapwatch VERSION" from package.json and exits 0', async (flag) => {
    const run = await runCli([flag]);
    expect(run).toMatchObject({ code: 0, stdout: `wrapwatch ${manifest.version}\n`, stderr: '' });
  });

  it('the daemon names its version in the "wrapwatch started" line', async () => {
    const ws = await createWorkspace();
    await writeFile(ws.logFile, '');
    await writeConfig(ws.configFile, testConfig(ws, null, {}));
    const daemon = startDaemon({ configFile: ws.configFile, dryRun: true });
    const started = await daemon.started();
    expect(started.fields.version).toBe(manifest.version);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ code: 0, signal: null });
  });
});

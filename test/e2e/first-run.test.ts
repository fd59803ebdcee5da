import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, testConfig, writeConfig, useE2eLifecycle } from '../helpers/daemon-process.js';

useE2eLifecycle();

/** What a first-time user meets (issue 13): each exit says what to change. */
describe('wrapwatch run at a first start', () => {
  it('exits 73 at once, naming [state] directory, when the state directory cannot be created (a path under /proc used to spin forever)', async () => {
    const ws = await createWorkspace();
    await writeConfig(
      ws.configFile,
      testConfig(ws, null, { state: { directory: `/proc/wrapwatch-e2e-${process.pid}/state` } }),
    );
    const started = Date.now();
    const run = await runCli(['run', '--config', ws.configFile], { timeoutMs: 15_000 });
    expect(run.code).toBe(73);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.stdout).toMatch(/cannot use the state directory/);
    expect(run.stdout).toContain(`set [state] directory in ${ws.configFile} to a directory this user can write`);
  });

  it('exits 73 at start for a state directory that exists but cannot be written, instead of failing at every commit', async () => {
    const ws = await createWorkspace();
    // sysfs: a directory that exists and where nobody, root included, can create a file.
    await writeConfig(ws.configFile, testConfig(ws, null, { state: { directory: '/sys/kernel' } }));
    const run = await runCli(['run', '--config', ws.configFile], { timeoutMs: 15_000 });
    expect(run.code).toBe(73);
    expect(run.stdout).toMatch(/the state directory \/sys\/kernel is not writable: (EACCES|EROFS|EPERM)/);
    expect(run.stdout).toContain('set [state] directory');
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wrapwatch-check-'));
});

describe('wrapwatch check-config (the built CLI as a process)', () => {
  it('prints the effective config with the password redacted and exits 0', async () => {
    const file = join(dir, 'good.toml');
    await writeFile(file, '[nsca]\npassword = "hunter2"\nencryption = 3\n[throttle]\nwindow_seconds = 120\n');
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('configuration is valid');
    expect(run.stdout).toMatch(/window_seconds = 120/);
    expect(run.stdout).toMatch(/max_results_per_minute = 30/);
    expect(run.stdout).toContain('(redacted, from nsca.password)');
    expect(run.stdout).not.toContain('hunter2');
  });

  it('lists every bad field with what was expected and exits 78', async () => {
    const file = join(dir, 'bad.toml');
    await writeFile(file, '[nsca]\nport = 70000\nencryption = 5\n[throttle]\nwindw_seconds = 30\n[report]\nstatus = "crit"\n');
    const run = await runCli(['check-config', '--config', file]);
    expect(run.code).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('4 problems');
    expect(run.stderr).toMatch(/nsca\.port: .*65535/);
    expect(run.stderr).toMatch(/nsca\.encryption: unsupported encryption method; supported: 0, 1, 2, 3, 4, 8, 14/);
    expect(run.stderr).toMatch(/throttle\.windw_seconds: unknown key/);
    expect(run.stderr).toMatch(/report\.status: .*number/);
  });

  it('checks the shipped config/wrapwatch.toml', async () => {
    const run = await runCli(['check-config', '--config', new URL('../../config/wrapwatch.toml', import.meta.url).pathname]);
    expect(run.code).toBe(0);
  });

  it('exits 78 for a missing config file and 2 for an unknown command', async () => {
    const missing = await runCli(['check-config', '--config', join(dir, 'nope.toml')]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toContain('cannot read the config file: ENOENT');
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});
